//! Plain-data inputs: a feature table (rows = patients) with its row IDs, optional centre labels
//! and covariates, and the checked training set (table + 0/1 labels).

use std::collections::BTreeSet;

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The values of one covariate column, one per row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CovariateValues {
    /// A numeric covariate (age, tumour size); enters a design matrix as one column.
    Continuous(Vec<f64>),
    /// A categorical covariate (sex, scanner model); enters a design matrix as one indicator
    /// column per level except the first in sorted order.
    Categorical(Vec<String>),
}

impl CovariateValues {
    fn len(&self) -> usize {
        match self {
            CovariateValues::Continuous(v) => v.len(),
            CovariateValues::Categorical(v) => v.len(),
        }
    }
}

/// The position of each of `names` in `all` (`None` where absent): a linear search for short
/// lists, a hash map once that would be quadratic (wide tables).
pub(crate) fn positions(all: &[String], names: &[String]) -> Vec<Option<usize>> {
    if names.len() * all.len() <= 4096 {
        return names.iter().map(|n| all.iter().position(|a| a == n)).collect();
    }
    let map: std::collections::HashMap<&str, usize> =
        all.iter().enumerate().map(|(j, n)| (n.as_str(), j)).collect();
    names.iter().map(|n| map.get(n.as_str()).copied()).collect()
}

/// A named covariate column (a variable kept, not removed, by ComBat).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Covariate {
    /// The column name the config refers to.
    pub name: String,
    /// One value per row of the table.
    pub values: CovariateValues,
}

/// A feature matrix (rows = patients, columns = named features) with the per-row information
/// that some steps need: row IDs (for error messages), centre labels (ComBat) and covariates.
///
/// Built with [`FeatureTable::new`], then [`FeatureTable::with_centres`] and
/// [`FeatureTable::with_covariate`]. Feature names are unique.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureTable {
    row_ids: Vec<String>,
    feature_names: Vec<String>,
    values: Array2<f64>,
    centres: Option<Vec<String>>,
    covariates: Vec<Covariate>,
}

impl FeatureTable {
    /// A table from row IDs, feature names and a `rows × features` matrix.
    ///
    /// Fails when the sizes disagree or a feature name repeats. Non-finite values are allowed
    /// here (rows of a validation set may hold them); fitting rejects them in training rows.
    pub fn new(
        row_ids: Vec<String>,
        feature_names: Vec<String>,
        values: Array2<f64>,
    ) -> Result<Self> {
        if values.nrows() != row_ids.len() {
            return Err(Error::Shape {
                what: "feature table".into(),
                reason: format!(
                    "{} row IDs for a matrix with {} rows",
                    row_ids.len(),
                    values.nrows()
                ),
            });
        }
        if values.ncols() != feature_names.len() {
            return Err(Error::Shape {
                what: "feature table".into(),
                reason: format!(
                    "{} feature names for a matrix with {} columns",
                    feature_names.len(),
                    values.ncols()
                ),
            });
        }
        check_unique(&feature_names)?;
        Ok(FeatureTable { row_ids, feature_names, values, centres: None, covariates: Vec::new() })
    }

    /// The same table with a centre (batch, scanner, hospital) label per row.
    pub fn with_centres(mut self, centres: Vec<String>) -> Result<Self> {
        if centres.len() != self.n_rows() {
            return Err(Error::Shape {
                what: "centre labels".into(),
                reason: format!("{} labels for {} rows", centres.len(), self.n_rows()),
            });
        }
        self.centres = Some(centres);
        Ok(self)
    }

    /// The same table with one more covariate column (names must be unique).
    pub fn with_covariate(mut self, covariate: Covariate) -> Result<Self> {
        if covariate.values.len() != self.n_rows() {
            return Err(Error::Covariate {
                name: covariate.name.clone(),
                reason: format!("{} values for {} rows", covariate.values.len(), self.n_rows()),
            });
        }
        if self.covariate(&covariate.name).is_some() {
            return Err(Error::Covariate {
                name: covariate.name.clone(),
                reason: "given twice".into(),
            });
        }
        self.covariates.push(covariate);
        Ok(self)
    }

    /// Number of rows (patients).
    pub fn n_rows(&self) -> usize {
        self.values.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.values.ncols()
    }

    /// Row IDs, in row order.
    pub fn row_ids(&self) -> &[String] {
        &self.row_ids
    }

    /// Feature names, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The `rows × features` matrix.
    pub fn values(&self) -> ArrayView2<'_, f64> {
        self.values.view()
    }

    /// Centre labels, if any.
    pub fn centres(&self) -> Option<&[String]> {
        self.centres.as_deref()
    }

    /// All covariates.
    pub fn covariates(&self) -> &[Covariate] {
        &self.covariates
    }

    /// The covariate called `name`.
    pub fn covariate(&self, name: &str) -> Option<&Covariate> {
        self.covariates.iter().find(|c| c.name == name)
    }

    /// Column index of a feature.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.feature_names.iter().position(|n| n == name)
    }

    /// The column indices of `names`, in order; `context` names the caller when one is
    /// missing. A hash map once the search would be quadratic (wide tables).
    pub(crate) fn feature_indices(&self, names: &[String], context: &str) -> Result<Vec<usize>> {
        let missing =
            |n: &String| Error::MissingFeature { name: n.clone(), context: context.into() };
        positions(&self.feature_names, names)
            .into_iter()
            .zip(names)
            .map(|(j, n)| j.ok_or_else(|| missing(n)))
            .collect()
    }

    /// The values of one feature.
    pub fn column(&self, name: &str) -> Option<ArrayView1<'_, f64>> {
        self.feature_index(name).map(|j| self.values.column(j))
    }

    /// The rows at `indices` (in that order), with their centres and covariates.
    ///
    /// # Panics
    /// If an index is out of range (a programming error, not bad user data).
    pub fn select_rows(&self, indices: &[usize]) -> FeatureTable {
        let pick = |v: &[String]| indices.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
        FeatureTable {
            row_ids: pick(&self.row_ids),
            feature_names: self.feature_names.clone(),
            values: self.values.select(Axis(0), indices),
            centres: self.centres.as_deref().map(pick),
            covariates: self
                .covariates
                .iter()
                .map(|c| Covariate {
                    name: c.name.clone(),
                    values: match &c.values {
                        CovariateValues::Continuous(v) => {
                            CovariateValues::Continuous(indices.iter().map(|&i| v[i]).collect())
                        }
                        CovariateValues::Categorical(v) => CovariateValues::Categorical(pick(v)),
                    },
                })
                .collect(),
        }
    }

    /// The same table with column `j`'s values replaced by `values` (one per row).
    pub(crate) fn with_column(&self, j: usize, values: &[f64]) -> FeatureTable {
        let mut out = self.clone();
        for (v, &x) in out.values.column_mut(j).iter_mut().zip(values) {
            *v = x;
        }
        out
    }

    /// The named features, in the order given; `context` names the caller in the error when
    /// one is missing.
    pub fn select_features(&self, names: &[String], context: &str) -> Result<FeatureTable> {
        let idx = self.feature_indices(names, context)?;
        Ok(FeatureTable {
            row_ids: self.row_ids.clone(),
            feature_names: names.to_vec(),
            values: self.values.select(Axis(1), &idx),
            centres: self.centres.clone(),
            covariates: self.covariates.clone(),
        })
    }

    /// This table's columns followed by `other`'s (same rows in the same order, disjoint
    /// feature names). Centres and covariates come from `self`, or from `other` where `self`
    /// has none.
    pub fn hstack(&self, other: &FeatureTable) -> Result<FeatureTable> {
        if self.row_ids != other.row_ids {
            return Err(Error::Shape {
                what: "joining feature blocks".into(),
                reason: "the blocks do not hold the same row IDs in the same order".into(),
            });
        }
        let mut names = self.feature_names.clone();
        names.extend(other.feature_names.iter().cloned());
        check_unique(&names)?;
        let values = ndarray::concatenate(Axis(1), &[self.values.view(), other.values.view()])
            .expect("row counts are equal because the row IDs are");
        let mut covariates = self.covariates.clone();
        for c in &other.covariates {
            if !covariates.iter().any(|d| d.name == c.name) {
                covariates.push(c.clone());
            }
        }
        Ok(FeatureTable {
            row_ids: self.row_ids.clone(),
            feature_names: names,
            values,
            centres: self.centres.clone().or_else(|| other.centres.clone()),
            covariates,
        })
    }

    /// A table with the same rows (IDs, centres, covariates) and new feature columns.
    pub(crate) fn with_values(&self, names: Vec<String>, values: Array2<f64>) -> FeatureTable {
        debug_assert_eq!(values.nrows(), self.n_rows());
        debug_assert_eq!(values.ncols(), names.len());
        FeatureTable {
            row_ids: self.row_ids.clone(),
            feature_names: names,
            values,
            centres: self.centres.clone(),
            covariates: self.covariates.clone(),
        }
    }

    /// The first non-finite value, reported with its feature and row; `context` is
    /// `training data` or `new data`.
    pub fn check_finite(&self, context: &str) -> Result<()> {
        for (i, row) in self.values.outer_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::NonFinite {
                        context: context.to_string(),
                        feature: self.feature_names[j].clone(),
                        row: self.row_ids[i].clone(),
                        value: v,
                    });
                }
            }
        }
        Ok(())
    }
}

fn check_unique(names: &[String]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n.as_str()) {
            return Err(Error::DuplicateFeature { name: n.clone() });
        }
    }
    Ok(())
}

/// The training rows of a feature table with their 0/1 labels, checked once: labels are 0 or 1,
/// both classes have at least two rows, and every feature value is finite.
///
/// Fitting functions take a `TrainSet`, so they never see rows outside the training split.
#[derive(Clone, Copy, Debug)]
pub struct TrainSet<'a> {
    table: &'a FeatureTable,
    labels: &'a [u8],
}

impl<'a> TrainSet<'a> {
    /// Checks `labels` against `table` (see the type docs).
    pub fn new(table: &'a FeatureTable, labels: &'a [u8]) -> Result<Self> {
        check_labels(labels, table.n_rows())?;
        table.check_finite("training data")?;
        Ok(TrainSet { table, labels })
    }

    /// The training table.
    pub fn table(&self) -> &'a FeatureTable {
        self.table
    }

    /// The 0/1 labels, one per row.
    pub fn labels(&self) -> &'a [u8] {
        self.labels
    }
}

/// Labels must be 0/1, one per row, with at least two rows of each class.
pub(crate) fn check_labels(labels: &[u8], n_rows: usize) -> Result<()> {
    if labels.len() != n_rows {
        return Err(Error::Labels {
            reason: format!("{} labels for {} rows", labels.len(), n_rows),
        });
    }
    if let Some(i) = labels.iter().position(|&l| l > 1) {
        return Err(Error::Labels {
            reason: format!("label {} at row {i} is not 0 or 1", labels[i]),
        });
    }
    let positives = labels.iter().filter(|&&l| l == 1).count();
    let negatives = labels.len() - positives;
    if positives < 2 || negatives < 2 {
        return Err(Error::Labels {
            reason: format!(
                "need at least 2 rows of each class, got {negatives} negatives and {positives} positives"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn table() -> FeatureTable {
        FeatureTable::new(
            vec!["p1".into(), "p2".into(), "p3".into()],
            vec!["a".into(), "b".into()],
            array![[1.0, 2.0], [3.0, f64::NAN], [5.0, 6.0]],
        )
        .unwrap()
    }

    #[test]
    fn non_finite_names_feature_and_row() {
        let err = table().check_finite("training data").unwrap_err().to_string();
        assert_eq!(err, "training data: feature `b` is not finite (NaN) in row `p2`");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let err =
            FeatureTable::new(vec!["p".into()], vec!["a".into(), "a".into()], array![[1.0, 2.0]])
                .unwrap_err();
        assert_eq!(err.to_string(), "feature `a` occurs more than once");
    }

    #[test]
    fn select_rows_keeps_metadata() {
        let t = table().with_centres(vec!["A".into(), "B".into(), "C".into()]).unwrap();
        let s = t.select_rows(&[2, 0]);
        assert_eq!(s.row_ids(), ["p3", "p1"]);
        assert_eq!(s.centres().unwrap(), ["C", "A"]);
        assert_eq!(s.values()[[0, 0]], 5.0);
    }

    #[test]
    fn labels_need_two_of_each_class() {
        assert!(check_labels(&[0, 1, 1, 1], 4).is_err());
        assert!(check_labels(&[0, 2, 1, 0], 4).is_err());
        assert!(check_labels(&[0, 0, 1, 1], 4).is_ok());
    }
}
