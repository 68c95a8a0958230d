//! radlsig-deep
#![deny(missing_docs)]
