//! radlsig-fusion
#![deny(missing_docs)]
