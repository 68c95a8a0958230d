//! Small dense symmetric positive-definite solves (normal equations of ComBat's design and of
//! IRLS), by Cholesky factorisation. Sizes are tens of columns at most, so a plain `O(p³)`
//! factorisation is the right tool.

use ndarray::{Array1, Array2};

/// The lower Cholesky factor `L` of a symmetric positive-definite `a` (`a = L Lᵀ`), or `None`
/// when a pivot is not positive (singular or indefinite `a`, e.g. collinear design columns).
///
/// A pivot counts as non-positive when it is below `1e-13` times the largest diagonal entry, so
/// exactly collinear columns are reported rather than producing huge, meaningless solutions.
pub(crate) fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    debug_assert_eq!(n, a.ncols());
    let scale = (0..n).map(|i| a[[i, i]].abs()).fold(0.0, f64::max);
    let tol = 1e-13 * scale.max(f64::MIN_POSITIVE);
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if d.is_nan() || d <= tol {
            return None;
        }
        let djj = d.sqrt();
        l[[j, j]] = djj;
        for i in (j + 1)..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / djj;
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b` given the Cholesky factor `L`.
pub(crate) fn cholesky_solve(l: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let n = l.nrows();
    let mut y = b.clone();
    for i in 0..n {
        let mut s = y[i];
        for k in 0..i {
            s -= l[[i, k]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in (i + 1)..n {
            s -= l[[k, i]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    y
}

/// `(L Lᵀ)⁻¹` given the Cholesky factor `L`.
pub(crate) fn cholesky_inverse(l: &Array2<f64>) -> Array2<f64> {
    let n = l.nrows();
    let mut inv = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut e = Array1::<f64>::zeros(n);
        e[j] = 1.0;
        let col = cholesky_solve(l, &e);
        inv.column_mut(j).assign(&col);
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn solves_and_inverts_a_known_system() {
        // a = [[4, 2], [2, 3]]: det 8, inverse [[3, -2], [-2, 4]] / 8.
        let a = array![[4.0, 2.0], [2.0, 3.0]];
        let l = cholesky(&a).unwrap();
        assert_abs_diff_eq!(l[[0, 0]], 2.0, epsilon = 1e-15);
        assert_abs_diff_eq!(l[[1, 0]], 1.0, epsilon = 1e-15);
        assert_abs_diff_eq!(l[[1, 1]], 2f64.sqrt(), epsilon = 1e-15);
        let x = cholesky_solve(&l, &array![2.0, 5.0]);
        // 4x + 2y = 2, 2x + 3y = 5 → x = -0.5, y = 2.
        assert_abs_diff_eq!(x[0], -0.5, epsilon = 1e-14);
        assert_abs_diff_eq!(x[1], 2.0, epsilon = 1e-14);
        let inv = cholesky_inverse(&l);
        assert_abs_diff_eq!(inv[[0, 0]], 3.0 / 8.0, epsilon = 1e-15);
        assert_abs_diff_eq!(inv[[0, 1]], -2.0 / 8.0, epsilon = 1e-15);
        assert_abs_diff_eq!(inv[[1, 1]], 4.0 / 8.0, epsilon = 1e-15);
    }

    #[test]
    fn singular_is_none() {
        assert!(cholesky(&array![[1.0, 2.0], [2.0, 4.0]]).is_none());
    }
}
