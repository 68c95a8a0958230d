//! Marching cubes (3D) and marching squares (2D) on a binary mask, as PyRadiomics 3.1's C
//! extension (`cshape.c`, `calculate_coefficients` / `calculate_coefficients2D`) runs them, and
//! the maximum diameters over the mesh vertices.
//!
//! # Conventions (those of PyRadiomics)
//!
//! - Arrays are indexed `[z, y, x]`; a point's coordinates are `(index + offset) · spacing` per
//!   axis, in the frame of the (padded) array given. The direction matrix is ignored: lengths,
//!   areas and volumes do not depend on it.
//! - Every vertex lies half-way along a grid edge between a voxel inside and one outside the
//!   mask (isovalue 0.5 on a binary mask), so vertex coordinates are multiples of half a voxel;
//!   they are kept as integer *doubled* indices and turned into millimetres only for distances.
//! - Cube corner `k` sets bit `k` of the cube index; corners are numbered as PyRadiomics'
//!   `gridAngles` ([`CUBE_CORNERS`]). A cube index with bit 7 set is replaced by its complement
//!   and the signed volume of its triangles is negated, so only indices 0–127 have triangles.
//! - Triangles are oriented so that `a · (b × c)` summed over the faces is +6 × the enclosed
//!   volume (normals point out of the ROI in PyRadiomics' orientation).
//!
//! # How the triangle table is built
//!
//! [`cube_table`] derives it from the corner configuration instead of storing 128 rows:
//!
//! 1. On each cube face (corners in counter-clockwise order seen from outside), a segment runs
//!    from every edge where the ring goes from an outside to an inside corner to the next edge
//!    where it goes from inside to outside. On a face with two diagonal inside corners this
//!    separates the inside corners; because indices ≥ 128 are complemented first, it is the
//!    corners of the complemented configuration that get separated, as in PyRadiomics' table.
//! 2. The segments chain into closed, consistently oriented polygons of 3 to 7 vertices.
//! 3. Polygons of 5 to 7 vertices are not planar, so the choice of diagonals changes the area
//!    and volume. PyRadiomics inherits the choices of the classic Lorensen–Cline / Bourke table;
//!    these rules reproduce its area and volume for every configuration (checked against
//!    PyRadiomics output for all 256 cube indices in `tests/shape.rs`):
//!    - 4 vertices: planar, any diagonal (fan from the first vertex).
//!    - 5 vertices (three inside corners in an L on one face): fan from an end of the run of
//!      three consecutive vertices on parallel edges.
//!    - 6 vertices with consecutive parallel edges: the "inner triangle" (alternate vertices
//!      joined). 6 vertices on alternating edge directions: split along the longest of the
//!      three main diagonals into two planar quads (all three are equal when planar).
//!    - 7 vertices: fan from the only vertex whose edge direction occurs once.
//!
//! Marching squares uses the same rule 1 on the single square; PyRadiomics' 2D table does not
//! complement and has no ambiguity beyond rule 1.
//!
//! # Maximum diameters
//!
//! PyRadiomics compares every pair of vertices (`O(V²)`). Here only vertices that can be an end
//! of a farthest pair are compared, with the same floating-point expression, so the maxima are
//! bit-identical: a vertex that is a convex combination of other vertices lying in one of its
//! coordinate planes is never the farther end of a maximal pair, since moving to one of those
//! other vertices increases the squared distance by at least `(min spacing / 2)²`, far above
//! rounding. Per plane (equal `z`, `y` or `x`), the 2D convex hull is computed exactly on the
//! integer doubled indices; the in-plane diameter pairs are among that plane's hull vertices
//! and the 3D diameter pairs among the vertices that are hull vertices in all three of their
//! planes.

use std::sync::OnceLock;

use ndarray::{ArrayView2, ArrayView3};

/// Corner `k` of the marching cube as a `[z, y, x]` offset from the cube origin
/// (PyRadiomics' `gridAngles`; bit `k` of the cube index).
const CUBE_CORNERS: [[u8; 3]; 8] =
    [[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0]];

/// Corner `k` of the marching square as a `[y, x]` offset, in ring order (PyRadiomics'
/// `gridAngles2D`; bit `k` of the square index).
const SQUARE_CORNERS: [[u8; 2]; 4] = [[0, 0], [0, 1], [1, 1], [1, 0]];

/// The triangles of every cube index 0–127.
struct CubeTable {
    /// `triangles[index]`: each triangle as three vertex offsets `[z, y, x]` (0, 0.5 or 1)
    /// from the cube origin.
    triangles: Vec<Vec<[[f64; 3]; 3]>>,
}

/// The marching cubes triangle table, built once (see the module docs).
fn cube_table() -> &'static CubeTable {
    static TABLE: OnceLock<CubeTable> = OnceLock::new();
    TABLE.get_or_init(build_cube_table)
}

/// The 12 cube edges as corner pairs (corners that differ in exactly one coordinate).
fn cube_edges() -> Vec<[usize; 2]> {
    let mut edges = Vec::with_capacity(12);
    for (i, ci) in CUBE_CORNERS.iter().enumerate() {
        for (j, cj) in CUBE_CORNERS.iter().enumerate().skip(i + 1) {
            if ci.iter().zip(cj).filter(|(a, b)| a != b).count() == 1 {
                edges.push([i, j]);
            }
        }
    }
    edges
}

/// Index of the corner at `[z, y, x]` offset `c`.
fn cube_corner(c: [u8; 3]) -> usize {
    CUBE_CORNERS.iter().position(|&k| k == c).expect("every 0/1 offset is a cube corner")
}

/// The six faces, each as its four corners in counter-clockwise order seen from outside.
fn cube_faces() -> Vec<[usize; 4]> {
    let mut faces = Vec::with_capacity(6);
    for axis in 0..3 {
        // (u, v) = the next two axes cyclically, so that e_u × e_v = e_axis.
        let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
        for side in 0..2u8 {
            let mut ring = [0usize; 4];
            for (k, (cu, cv)) in [(0u8, 0u8), (1, 0), (1, 1), (0, 1)].into_iter().enumerate() {
                let mut c = [0u8; 3];
                c[axis] = side;
                c[u] = cu;
                c[v] = cv;
                ring[k] = cube_corner(c);
            }
            if side == 0 {
                // The outward normal is −e_axis: reverse to stay counter-clockwise from outside.
                ring.reverse();
            }
            faces.push(ring);
        }
    }
    faces
}

/// Rule 1 of the module docs on one ring of corners with inside/outside states `inside`:
/// each segment as `(k, j)`, running from the ring edge between corners `k` and `k + 1` (outside
/// to inside) to the ring edge between corners `j` and `j + 1` (inside to outside).
fn ring_segments(inside: &[bool]) -> Vec<(usize, usize)> {
    let n = inside.len();
    let mut segments = Vec::new();
    for k in 0..n {
        if !inside[k] && inside[(k + 1) % n] {
            let mut j = (k + 1) % n;
            while !inside[j] || inside[(j + 1) % n] {
                j = (j + 1) % n;
            }
            segments.push((k, j));
        }
    }
    segments
}

/// Directions (array axes) of the 12 cube edges.
fn edge_axes(edges: &[[usize; 2]]) -> Vec<usize> {
    edges
        .iter()
        .map(|&[a, b]| (0..3).find(|&d| CUBE_CORNERS[a][d] != CUBE_CORNERS[b][d]).unwrap_or(0))
        .collect()
}

/// Rules 1 and 2 of the module docs: the oriented polygons of cube `index` (< 128), each as
/// its vertices' edge numbers (positions in [`cube_edges`]).
fn cube_polygons(index: usize, edges: &[[usize; 2]], faces: &[[usize; 4]]) -> Vec<Vec<usize>> {
    let edge_of = |a: usize, b: usize| {
        edges
            .iter()
            .position(|e| *e == [a.min(b), a.max(b)])
            .expect("face neighbours share an edge")
    };
    let inside: [bool; 8] = std::array::from_fn(|k| index & (1 << k) != 0);
    // Oriented segments on the faces, as edge → next edge.
    let mut next = [usize::MAX; 12];
    for ring in faces {
        let states: Vec<bool> = ring.iter().map(|&c| inside[c]).collect();
        for (k, j) in ring_segments(&states) {
            next[edge_of(ring[k], ring[(k + 1) % 4])] = edge_of(ring[j], ring[(j + 1) % 4]);
        }
    }
    // Chain them into closed polygons.
    let mut visited = [false; 12];
    let mut polygons = Vec::new();
    for start in 0..12 {
        if next[start] == usize::MAX || visited[start] {
            continue;
        }
        let mut polygon = vec![start];
        visited[start] = true;
        let mut e = next[start];
        while e != start {
            polygon.push(e);
            visited[e] = true;
            e = next[e];
        }
        polygons.push(polygon);
    }
    polygons
}

fn build_cube_table() -> CubeTable {
    let edges = cube_edges();
    let faces = cube_faces();
    let axis = edge_axes(&edges);
    // Doubled midpoint of every edge.
    let mid2: Vec<[u8; 3]> = edges
        .iter()
        .map(|&[a, b]| std::array::from_fn(|d| CUBE_CORNERS[a][d] + CUBE_CORNERS[b][d]))
        .collect();
    let triangles = (0..128)
        .map(|index| {
            cube_polygons(index, &edges, &faces)
                .iter()
                .flat_map(|polygon| triangulate(polygon, &axis, &mid2))
                .map(|tri| tri.map(|e| mid2[e].map(|m| f64::from(m) * 0.5)))
                .collect()
        })
        .collect();
    CubeTable { triangles }
}

/// Rule 3 of the module docs: the triangles (as edge triples) of one oriented polygon.
fn triangulate(polygon: &[usize], axis: &[usize], mid2: &[[u8; 3]]) -> Vec<[usize; 3]> {
    let n = polygon.len();
    let p = |i: usize| polygon[i % n];
    let ax = |i: usize| axis[p(i)];
    let fan = |k: usize| (1..n - 1).map(|i| [p(k), p(k + i), p(k + i + 1)]).collect::<Vec<_>>();
    match n {
        3 | 4 => fan(0),
        5 => fan((0..5).find(|&i| ax(i) == ax(i + 1) && ax(i + 1) == ax(i + 2)).unwrap_or(0)),
        6 if (0..6).any(|i| ax(i) == ax(i + 1)) => {
            vec![[p(0), p(1), p(2)], [p(2), p(3), p(4)], [p(4), p(5), p(0)], [p(0), p(2), p(4)]]
        }
        6 => {
            let length2 = |i: usize| {
                (0..3)
                    .map(|d| (i32::from(mid2[p(i)][d]) - i32::from(mid2[p(i + 3)][d])).pow(2))
                    .sum::<i32>()
            };
            let k = (0..3).fold(0, |best, i| if length2(i) > length2(best) { i } else { best });
            vec![
                [p(k), p(k + 1), p(k + 2)],
                [p(k), p(k + 2), p(k + 3)],
                [p(k + 3), p(k + 4), p(k + 5)],
                [p(k + 3), p(k + 5), p(k)],
            ]
        }
        7 => fan((0..7).find(|&i| (0..7).filter(|&j| ax(j) == ax(i)).count() == 1).unwrap_or(0)),
        // Marching cubes never yields more than 7 vertices in one cube (unit test).
        _ => fan(0),
    }
}

/// The marching squares lines of every square index 0–15, each as the `[y, x]` offsets of its
/// two ends.
fn square_table() -> &'static [Vec<[[f64; 2]; 2]>; 16] {
    static TABLE: OnceLock<[Vec<[[f64; 2]; 2]>; 16]> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Edge k joins ring corners k and k + 1.
        let mid = |k: usize| -> [f64; 2] {
            let (a, b) = (SQUARE_CORNERS[k], SQUARE_CORNERS[(k + 1) % 4]);
            [0, 1].map(|d| f64::from(a[d] + b[d]) * 0.5)
        };
        std::array::from_fn(|index| {
            let inside: Vec<bool> = (0..4).map(|k| index & (1 << k) != 0).collect();
            ring_segments(&inside).into_iter().map(|(k, j)| [mid(k), mid(j)]).collect()
        })
    })
}

/// Surface area, volume and maximum diameters of the marching cubes mesh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mesh3d {
    /// Sum of the triangle areas (mm²).
    pub surface_area: f64,
    /// Sum of the signed tetrahedron volumes `a · (b × c) / 6` (mm³).
    pub volume: f64,
    /// Largest vertex distances (mm) between vertices with equal `z` (PyRadiomics' "Slice"),
    /// equal `y` ("Column"), equal `x` ("Row"), and over all pairs (3D).
    pub diameters: [f64; 4],
}

/// Marching cubes over `mask`, which must have a border of `false` one voxel wide (as
/// PyRadiomics pads it), with `spacing` in mm along `[z, y, x]`.
pub(crate) fn mesh_3d(mask: ArrayView3<'_, bool>, spacing: [f64; 3]) -> Mesh3d {
    let mask = mask.as_standard_layout();
    let (nz, ny, nx) = mask.dim();
    let m = mask.as_slice().expect("standard layout is contiguous");
    let (sz, sy) = (ny * nx, nx);
    let offsets: [usize; 8] =
        CUBE_CORNERS.map(|[z, y, x]| usize::from(z) * sz + usize::from(y) * sy + usize::from(x));
    let table = cube_table();
    let (mut area, mut volume) = (0.0f64, 0.0f64);
    for iz in 0..nz.saturating_sub(1) {
        for iy in 0..ny.saturating_sub(1) {
            for ix in 0..nx.saturating_sub(1) {
                let base = iz * sz + iy * sy + ix;
                let mut index = 0usize;
                for (k, off) in offsets.iter().enumerate() {
                    if m[base + off] {
                        index |= 1 << k;
                    }
                }
                let sign = if index & 0x80 != 0 {
                    index ^= 0xff;
                    -1.0
                } else {
                    1.0
                };
                if index == 0 {
                    continue;
                }
                let origin = [iz as f64, iy as f64, ix as f64];
                for tri in &table.triangles[index] {
                    let [a, b, c] =
                        tri.map(|v| std::array::from_fn(|d| (origin[d] + v[d]) * spacing[d]));
                    volume += sign * dot(cross(a, b), c);
                    let ac = sub(a, c);
                    let bc = sub(b, c);
                    let n = cross(ac, bc);
                    area += 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                }
            }
        }
    }
    let vertices = crossing_vertices_3d(m, [nz, ny, nx]);
    Mesh3d { surface_area: area, volume: volume / 6.0, diameters: diameters_3d(&vertices, spacing) }
}

/// `a × b` with PyRadiomics' component order.
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - b[1] * a[2], a[2] * b[0] - b[2] * a[0], a[0] * b[1] - b[0] * a[1]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// Doubled `[z, y, x]` indices of the midpoints of all grid edges whose two voxels differ.
/// These are exactly the vertices PyRadiomics stores for its diameters (each edge once).
fn crossing_vertices_3d(m: &[bool], shape: [usize; 3]) -> Vec<[u32; 3]> {
    let [nz, ny, nx] = shape;
    let strides = [ny * nx, nx, 1];
    let mut out = Vec::new();
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let i = z * strides[0] + y * strides[1] + x;
                let here = [z, y, x];
                for axis in 0..3 {
                    if here[axis] + 1 < shape[axis] && m[i] != m[i + strides[axis]] {
                        let mut v = here.map(|c| 2 * c as u32);
                        v[axis] += 1;
                        out.push(v);
                    }
                }
            }
        }
    }
    out
}

/// The squared distance PyRadiomics computes: `(Δ₀² + Δ₁²) + Δ₂²` of coordinates in mm.
#[inline]
fn distance2_3d(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let d0 = a[0] - b[0];
    let d1 = a[1] - b[1];
    let d2 = a[2] - b[2];
    d0 * d0 + d1 * d1 + d2 * d2
}

/// Maximum diameters `[equal z, equal y, equal x, 3D]` over `vertices` (doubled indices).
fn diameters_3d(vertices: &[[u32; 3]], spacing: [f64; 3]) -> [f64; 4] {
    // Millimetres exactly as PyRadiomics: (index + offset) · spacing, where index + offset = k / 2.
    let mm: Vec<[f64; 3]> = vertices
        .iter()
        .map(|v| std::array::from_fn(|d| (f64::from(v[d]) * 0.5) * spacing[d]))
        .collect();
    let mut max2 = [0.0f64; 4];
    // Bit `axis` set: the vertex is a hull vertex of its plane of constant coordinate `axis`.
    let mut hull_flags = vec![0u8; vertices.len()];
    let mut order: Vec<u32> = (0..vertices.len() as u32).collect();
    let mut hull = Vec::new();
    for axis in 0..3 {
        let (u, v) = match axis {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        order.sort_unstable_by_key(|&i| {
            let p = vertices[i as usize];
            (p[axis], p[u], p[v])
        });
        for plane in
            order.chunk_by(|&i, &j| vertices[i as usize][axis] == vertices[j as usize][axis])
        {
            let points: Vec<[i64; 2]> = plane
                .iter()
                .map(|&i| [i64::from(vertices[i as usize][u]), i64::from(vertices[i as usize][v])])
                .collect();
            convex_hull_2d(&points, &mut hull);
            for &h in &hull {
                hull_flags[plane[h] as usize] |= 1 << axis;
            }
            for (n, &h) in hull.iter().enumerate() {
                let a = &mm[plane[h] as usize];
                for &g in &hull[..n] {
                    let d = distance2_3d(a, &mm[plane[g] as usize]);
                    if d > max2[axis] {
                        max2[axis] = d;
                    }
                }
            }
        }
    }
    let candidates: Vec<&[f64; 3]> =
        hull_flags.iter().zip(&mm).filter(|(f, _)| **f == 0b111).map(|(_, p)| p).collect();
    for (n, a) in candidates.iter().enumerate() {
        for b in &candidates[..n] {
            let d = distance2_3d(a, b);
            if d > max2[3] {
                max2[3] = d;
            }
        }
    }
    max2.map(f64::sqrt)
}

/// Strict vertices of the convex hull of distinct `points` sorted lexicographically (Andrew's
/// monotone chain with exact integer orientation tests; collinear points on hull edges are
/// left out), as positions into `points`, written to `hull`.
fn convex_hull_2d(points: &[[i64; 2]], hull: &mut Vec<usize>) {
    hull.clear();
    let n = points.len();
    if n <= 2 {
        hull.extend(0..n);
        return;
    }
    let turn = |o: usize, a: usize, b: usize| {
        let (o, a, b) = (points[o], points[a], points[b]);
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    // Lower hull, left to right.
    for i in 0..n {
        while hull.len() >= 2 && turn(hull[hull.len() - 2], hull[hull.len() - 1], i) <= 0 {
            hull.pop();
        }
        hull.push(i);
    }
    // Upper hull, right to left, never popping into the lower hull.
    let lower = hull.len() + 1;
    for i in (0..n - 1).rev() {
        while hull.len() >= lower && turn(hull[hull.len() - 2], hull[hull.len() - 1], i) <= 0 {
            hull.pop();
        }
        hull.push(i);
    }
    hull.pop(); // the first point again
}

/// Perimeter, signed-area sum and maximum diameter of the marching squares contour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mesh2d {
    /// Sum of the line lengths (mm).
    pub perimeter: f64,
    /// Sum of the signed triangle areas `(a × b) / 2` spanned by each line and the origin (mm²).
    pub surface: f64,
    /// Largest distance between two contour vertices (mm).
    pub diameter: f64,
}

/// Marching squares over `mask`, which must have a border of `false` one pixel wide (as
/// PyRadiomics pads it), with `spacing` in mm along the two array axes.
pub(crate) fn mesh_2d(mask: ArrayView2<'_, bool>, spacing: [f64; 2]) -> Mesh2d {
    let mask = mask.as_standard_layout();
    let (ny, nx) = mask.dim();
    let m = mask.as_slice().expect("standard layout is contiguous");
    let offsets: [usize; 4] = SQUARE_CORNERS.map(|[y, x]| usize::from(y) * nx + usize::from(x));
    let table = square_table();
    let (mut perimeter, mut surface) = (0.0f64, 0.0f64);
    for iy in 0..ny.saturating_sub(1) {
        for ix in 0..nx.saturating_sub(1) {
            let base = iy * nx + ix;
            let mut index = 0usize;
            for (k, off) in offsets.iter().enumerate() {
                if m[base + off] {
                    index |= 1 << k;
                }
            }
            let origin = [iy as f64, ix as f64];
            for line in &table[index] {
                let [a, b] = line.map(|v| [0, 1].map(|d| (origin[d] + v[d]) * spacing[d]));
                surface += a[0] * b[1] - b[0] * a[1];
                let d0 = a[0] - b[0];
                let d1 = a[1] - b[1];
                perimeter += (d0 * d0 + d1 * d1).sqrt();
            }
        }
    }
    let vertices = crossing_vertices_2d(m, [ny, nx]);
    Mesh2d { perimeter, surface: surface / 2.0, diameter: diameter_2d(&vertices, spacing) }
}

/// Doubled `[y, x]` indices of the midpoints of all grid edges whose two pixels differ.
fn crossing_vertices_2d(m: &[bool], shape: [usize; 2]) -> Vec<[u32; 2]> {
    let [ny, nx] = shape;
    let mut out = Vec::new();
    for y in 0..ny {
        for x in 0..nx {
            let i = y * nx + x;
            if y + 1 < ny && m[i] != m[i + nx] {
                out.push([2 * y as u32 + 1, 2 * x as u32]);
            }
            if x + 1 < nx && m[i] != m[i + 1] {
                out.push([2 * y as u32, 2 * x as u32 + 1]);
            }
        }
    }
    out
}

/// The squared distance PyRadiomics computes in 2D: `Δ₀² + Δ₁²` of coordinates in mm.
#[inline]
fn distance2_2d(a: &[f64; 2], b: &[f64; 2]) -> f64 {
    let d0 = a[0] - b[0];
    let d1 = a[1] - b[1];
    d0 * d0 + d1 * d1
}

/// Maximum distance between `vertices` (doubled indices), over the convex hull's vertices.
fn diameter_2d(vertices: &[[u32; 2]], spacing: [f64; 2]) -> f64 {
    let mut sorted = vertices.to_vec();
    sorted.sort_unstable();
    let points: Vec<[i64; 2]> = sorted.iter().map(|v| v.map(i64::from)).collect();
    let mut hull = Vec::new();
    convex_hull_2d(&points, &mut hull);
    let mm: Vec<[f64; 2]> = hull
        .iter()
        .map(|&h| std::array::from_fn(|d| (f64::from(sorted[h][d]) * 0.5) * spacing[d]))
        .collect();
    let mut max2 = 0.0f64;
    for (n, a) in mm.iter().enumerate() {
        for b in &mm[..n] {
            let d = distance2_2d(a, b);
            if d > max2 {
                max2 = d;
            }
        }
    }
    max2.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// PyRadiomics' `calculate_meshDiameter`: every pair, same expression.
    fn naive_diameters_3d(vertices: &[[u32; 3]], spacing: [f64; 3]) -> [f64; 4] {
        let mm: Vec<[f64; 3]> = vertices
            .iter()
            .map(|v| std::array::from_fn(|d| (f64::from(v[d]) * 0.5) * spacing[d]))
            .collect();
        let mut max2 = [0.0f64; 4];
        for (n, a) in mm.iter().enumerate() {
            for b in &mm[..n] {
                let d = distance2_3d(a, b);
                for axis in 0..3 {
                    if a[axis] == b[axis] && d > max2[axis] {
                        max2[axis] = d;
                    }
                }
                if d > max2[3] {
                    max2[3] = d;
                }
            }
        }
        max2.map(f64::sqrt)
    }

    fn random_blob(rng: &mut ChaCha8Rng, shape: [usize; 3], density: f64) -> Array3<bool> {
        let [nz, ny, nx] = shape;
        Array3::from_shape_fn((nz + 2, ny + 2, nx + 2), |(z, y, x)| {
            let inner = (1..=nz).contains(&z) && (1..=ny).contains(&y) && (1..=nx).contains(&x);
            inner && rng.random::<f64>() < density
        })
    }

    /// Every crossing edge of a cube carries exactly one polygon vertex, every polygon has 3 to
    /// 7 vertices, and consecutive vertices lie on a common face.
    #[test]
    fn polygons_cover_the_crossing_edges_once() {
        let (edges, faces) = (cube_edges(), cube_faces());
        assert_eq!(edges.len(), 12);
        for index in 0..128 {
            let polygons = cube_polygons(index, &edges, &faces);
            let mut count = [0; 12];
            for polygon in &polygons {
                assert!((3..=7).contains(&polygon.len()), "index {index}: {polygon:?}");
                for (k, &e) in polygon.iter().enumerate() {
                    count[e] += 1;
                    let f = polygon[(k + 1) % polygon.len()];
                    let on_face = |ring: &[usize; 4]| {
                        edges[e].iter().chain(&edges[f]).all(|c| ring.contains(c))
                    };
                    assert!(faces.iter().any(on_face), "index {index}: {e} → {f} crosses the cube");
                }
            }
            for (e, &[a, b]) in edges.iter().enumerate() {
                let crossing = (index >> a) & 1 != (index >> b) & 1;
                assert_eq!(count[e], usize::from(crossing), "index {index}, edge {e}");
            }
        }
    }

    /// Normals point away from the inside: for a lone inside corner, the triangle's normal
    /// `(b − a) × (c − a)` points from the corner towards the triangle.
    #[test]
    fn lone_corner_triangles_face_outward() {
        let table = cube_table();
        for (k, corner) in CUBE_CORNERS.iter().enumerate().take(7) {
            let [[a, b, c]] = table.triangles[1 << k][..] else { panic!("corner {k}") };
            let n = cross(sub(b, a), sub(c, a));
            let corner = corner.map(f64::from);
            assert!(dot(n, sub(a, corner)) > 0.0, "corner {k}");
        }
    }

    #[test]
    fn hull_keeps_only_strict_vertices() {
        let mut hull = Vec::new();
        let pts = [[0, 0], [0, 1], [0, 2], [1, 1], [2, 0], [2, 2]];
        convex_hull_2d(&pts, &mut hull);
        let mut got: Vec<[i64; 2]> = hull.iter().map(|&h| pts[h]).collect();
        got.sort_unstable();
        assert_eq!(got, vec![[0, 0], [0, 2], [2, 0], [2, 2]]);
        let line = [[0, 0], [1, 1], [2, 2], [3, 3]];
        convex_hull_2d(&line, &mut hull);
        assert_eq!(hull, vec![0, 3]);
        convex_hull_2d(&line[..1], &mut hull);
        assert_eq!(hull, vec![0]);
    }

    /// The pruned diameters are bit-identical to PyRadiomics' all-pairs loop.
    #[test]
    fn pruned_diameters_equal_all_pairs() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..60 {
            let shape = [rng.random_range(1..7), rng.random_range(1..9), rng.random_range(1..9)];
            let density = [0.2, 0.5, 0.8, 1.0][case % 4];
            let mask = random_blob(&mut rng, shape, density);
            let spacing = [rng.random_range(0.3..5.0), rng.random_range(0.3..2.0), 0.7];
            let m = mask.as_slice().unwrap();
            let dims = [mask.dim().0, mask.dim().1, mask.dim().2];
            let vertices = crossing_vertices_3d(m, dims);
            let fast = diameters_3d(&vertices, spacing);
            let slow = naive_diameters_3d(&vertices, spacing);
            assert_eq!(fast.map(f64::to_bits), slow.map(f64::to_bits), "case {case}");
        }
    }

    #[test]
    fn pruned_diameter_2d_equals_all_pairs() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..60 {
            let (ny, nx) = (rng.random_range(1..12), rng.random_range(1..12));
            let density = [0.2, 0.5, 0.8, 1.0][case % 4];
            let mask = Array2::from_shape_fn((ny + 2, nx + 2), |(y, x)| {
                (1..=ny).contains(&y) && (1..=nx).contains(&x) && rng.random::<f64>() < density
            });
            let spacing = [rng.random_range(0.3..3.0), 0.65];
            let vertices = crossing_vertices_2d(mask.as_slice().unwrap(), [ny + 2, nx + 2]);
            let mm: Vec<[f64; 2]> = vertices
                .iter()
                .map(|v| std::array::from_fn(|d| (f64::from(v[d]) * 0.5) * spacing[d]))
                .collect();
            let mut max2 = 0.0f64;
            for (n, a) in mm.iter().enumerate() {
                for b in &mm[..n] {
                    max2 = max2.max(distance2_2d(a, b));
                }
            }
            assert_eq!(diameter_2d(&vertices, spacing).to_bits(), max2.sqrt().to_bits());
        }
    }
}
