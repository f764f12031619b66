//! Synthetic demo training data (loaded with the rest of the demo data).
