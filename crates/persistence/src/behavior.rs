//! Behaviour profiles, stored feature windows and global model versions.
