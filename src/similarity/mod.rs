//! Cosine-similarity search over L2-normalized embeddings, tiled so memory never grows as n².
