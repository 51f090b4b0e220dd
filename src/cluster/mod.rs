//! Grouping statements into topics.
