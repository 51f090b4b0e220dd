//! Stance scores and shift detection.
