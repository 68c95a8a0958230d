//! Cohorts for radlsig: manifests, synthetic cohorts and importers.
#![deny(missing_docs)]
