//! Connected components of a 3D region with 26-connectivity.

use ndarray::ArrayView3;

/// Sizes of the connected components of `region` (indexed `[z, y, x]`), in the raster order
/// of each component's first voxel.
///
/// Two voxels are connected when they share a face, an edge or a corner (26-connectivity:
/// `max(|Δz|, |Δy|, |Δx|) = 1`), whatever the spacing — ITK's `ConnectedComponentImageFilter`
/// with `FullyConnected` on. An empty region has no component.
pub fn connected_components(region: ArrayView3<'_, bool>) -> Vec<usize> {
    let (nz, ny, nx) = region.dim();
    let mut seen = ndarray::Array3::<bool>::from_elem((nz, ny, nx), false);
    let mut sizes = Vec::new();
    let mut stack: Vec<[usize; 3]> = Vec::new();
    for ((z, y, x), &inside) in region.indexed_iter() {
        if !inside || seen[[z, y, x]] {
            continue;
        }
        seen[[z, y, x]] = true;
        stack.push([z, y, x]);
        let mut size = 0;
        while let Some([cz, cy, cx]) = stack.pop() {
            size += 1;
            for z2 in cz.saturating_sub(1)..=(cz + 1).min(nz - 1) {
                for y2 in cy.saturating_sub(1)..=(cy + 1).min(ny - 1) {
                    for x2 in cx.saturating_sub(1)..=(cx + 1).min(nx - 1) {
                        if region[[z2, y2, x2]] && !seen[[z2, y2, x2]] {
                            seen[[z2, y2, x2]] = true;
                            stack.push([z2, y2, x2]);
                        }
                    }
                }
            }
        }
        sizes.push(size);
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn region(shape: (usize, usize, usize), voxels: &[[usize; 3]]) -> Array3<bool> {
        let mut a = Array3::from_elem(shape, false);
        for v in voxels {
            a[*v] = true;
        }
        a
    }

    #[test]
    fn counted_by_hand() {
        // Empty.
        assert!(connected_components(region((2, 2, 2), &[]).view()).is_empty());
        // Two voxels touching only at a corner: one component with 26-connectivity.
        assert_eq!(connected_components(region((2, 2, 2), &[[0, 0, 0], [1, 1, 1]]).view()), [2]);
        // An edge neighbour and a face neighbour join too.
        assert_eq!(
            connected_components(region((3, 3, 3), &[[0, 0, 0], [0, 1, 1], [0, 1, 2]]).view()),
            [3]
        );
        // A gap of one voxel separates: {(0,0,0),(0,0,1)} and {(0,0,3)}, then (2,2,2) and the
        // L-shaped {(2,0,3),(2,1,3),(2,1,4)} reached only after (2,0,3) in raster order.
        let r = region(
            (3, 3, 5),
            &[[0, 0, 0], [0, 0, 1], [0, 0, 3], [2, 2, 0], [2, 0, 3], [2, 1, 3], [2, 1, 4]],
        );
        // Raster order of first voxels: (0,0,0) size 2; (0,0,3) size 1; (2,0,3) size 3;
        // (2,2,0) size 1 — (2,2,0) and (2,1,3) are 3 apart along x.
        assert_eq!(connected_components(r.view()), [2, 1, 3, 1]);
        // A hollow 3×3×3 shell is one component.
        let mut shell = Array3::from_elem((3, 3, 3), true);
        shell[[1, 1, 1]] = false;
        assert_eq!(connected_components(shell.view()), [26]);
    }
}
