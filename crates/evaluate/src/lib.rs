//! radlsig-evaluate
#![deny(missing_docs)]
