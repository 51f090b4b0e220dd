//! Writing embeddings: .npy, .parquet and .jsonl.
