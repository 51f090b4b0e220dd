//! Where models come from: the Hugging Face Hub, a local directory, or the offline package.
