//! Lesion geometry: an irregular star-shaped body, and inside it a necrotic core with a
//! transition shell that can sit centrally or eccentrically.
//!
//! **Body.** In the lesion's own frame (rotation `Q`, semi-axes `a = R_eq·(a₁, a₂, a₃)` with
//! `a₁a₂a₃ = 1`), a point `p` (relative to the centre) has ellipsoid coordinates
//! `w = (Qᵀp) / a`; it is inside when `|w| < s(w/|w|)`, where the radial factor
//! `s(u) = clamp(1 + irregularity·F(u), 0.6, 1.5)` and `F` is a unit-variance smooth random
//! function on the unit sphere (random Fourier features with Gaussian covariance
//! `exp(−|u − u'|²/(2ℓ²))`). Larger `irregularity` means a bumpier, less spherical surface.
//! `F` is tabulated on a (θ, φ) grid and interpolated bilinearly.
//!
//! **Habitats.** The necrotic core (habitat 3) and the transition shell around it (habitat 2)
//! are copies of the body scaled by `α_core` and `α_shell` (so their volume fractions are
//! `α_core³` and `α_shell³ − α_core³` whatever the shape); the rest of the body is viable
//! enhancing tissue (habitat 1). A point belongs to the copies according to the fraction
//! `|w(d)|/s(u(d))` of the way from their centre to the surface, `d` being the point relative
//! to that centre. The copies are translated from the body centre along an in-plane (x–y)
//! direction by `t = e·t_max`, where `t_max` is the largest shift that keeps at least
//! [`RIM_MIN_MM`] of enhancing rim between the shell and the surface (checked on surface
//! points), `e ∈ [0, 1]` is the case's eccentricity, and the direction is the roomiest of 12
//! tried. A translation changes neither the habitats' volumes nor the areas of their
//! interfaces, so whole-tumour first-order, shape and (to first order) texture statistics are
//! blind to `e`, up to voxelisation and blur; what changes is *where* the core sits: a thin
//! rim on one side against a thick one opposite.

use std::f64::consts::PI;

use rand::Rng;
use rand_distr::StandardNormal;

/// The thinnest enhancing rim (mm) left between the transition shell and the surface.
pub const RIM_MIN_MM: f64 = 0.8;
/// Extra clearance (mm) for the discretisation of the surface table.
const CLEARANCE_MM: f64 = 0.2;
/// Bounds of the body's radial factor `s(u)`.
const BODY_S: (f64, f64) = (0.6, 1.5);
/// Number of Fourier features of the sphere functions.
const FEATURES: usize = 64;
/// Sphere table resolution (θ nodes from pole to pole, φ nodes around).
const N_THETA: usize = 41;
const N_PHI: usize = 80;
/// In-plane directions tried for the core's shift.
const DIRECTIONS: usize = 12;

/// A function on the unit sphere, tabulated on a (θ, φ) grid.
#[derive(Debug, Clone)]
pub(crate) struct SphereTable {
    values: Vec<f64>,
}

impl SphereTable {
    /// `clamp(1 + amplitude·F(u), lo, hi)` for a fresh smooth random function `F` with
    /// correlation length `ell` (on the unit sphere), drawn from `rng`.
    pub(crate) fn random<R: Rng>(
        rng: &mut R,
        ell: f64,
        amplitude: f64,
        bounds: (f64, f64),
    ) -> SphereTable {
        let mut omega = Vec::with_capacity(FEATURES);
        for _ in 0..FEATURES {
            let w: [f64; 3] = std::array::from_fn(|_| rng.sample::<f64, _>(StandardNormal) / ell);
            let phase = rng.random::<f64>() * 2.0 * PI;
            omega.push((w, phase));
        }
        let scale = (2.0 / FEATURES as f64).sqrt();
        let mut values = Vec::with_capacity(N_THETA * N_PHI);
        for i in 0..N_THETA {
            for j in 0..N_PHI {
                let u = direction(theta_of(i), phi_of(j));
                let f: f64 = omega
                    .iter()
                    .map(|(w, ph)| (w[0] * u[0] + w[1] * u[1] + w[2] * u[2] + ph).cos())
                    .sum::<f64>()
                    * scale;
                values.push((1.0 + amplitude * f).clamp(bounds.0, bounds.1));
            }
        }
        SphereTable { values }
    }

    /// The value in direction `u` (a unit vector), interpolated bilinearly.
    pub(crate) fn at(&self, u: [f64; 3]) -> f64 {
        let theta = u[2].clamp(-1.0, 1.0).acos();
        let phi = u[1].atan2(u[0]).rem_euclid(2.0 * PI);
        let ti = theta / PI * (N_THETA - 1) as f64;
        let pj = phi / (2.0 * PI) * N_PHI as f64;
        let i0 = (ti.floor() as usize).min(N_THETA - 2);
        let j0 = (pj.floor() as usize) % N_PHI;
        let j1 = (j0 + 1) % N_PHI;
        let (ft, fp) = (ti - i0 as f64, pj - pj.floor());
        let v = |i: usize, j: usize| self.values[i * N_PHI + j];
        (1.0 - ft) * ((1.0 - fp) * v(i0, j0) + fp * v(i0, j1))
            + ft * ((1.0 - fp) * v(i0 + 1, j0) + fp * v(i0 + 1, j1))
    }

    /// The table nodes as (direction, value).
    fn nodes(&self) -> impl Iterator<Item = ([f64; 3], f64)> + '_ {
        (0..N_THETA).flat_map(move |i| {
            (0..N_PHI).map(move |j| (direction(theta_of(i), phi_of(j)), self.values[i * N_PHI + j]))
        })
    }

    /// Mean of `value³` over the sphere (solid-angle weighted): the body's volume is
    /// `(4π/3)·a₁a₂a₃·R_eq³·mean(s³)`.
    pub(crate) fn mean_cube(&self) -> f64 {
        let (mut acc, mut weight) = (0.0, 0.0);
        for i in 0..N_THETA {
            let w = theta_of(i).sin().max(1e-3);
            for j in 0..N_PHI {
                acc += w * self.values[i * N_PHI + j].powi(3);
                weight += w;
            }
        }
        acc / weight
    }
}

fn theta_of(i: usize) -> f64 {
    i as f64 * PI / (N_THETA - 1) as f64
}

fn phi_of(j: usize) -> f64 {
    j as f64 * 2.0 * PI / N_PHI as f64
}

fn direction(theta: f64, phi: f64) -> [f64; 3] {
    [theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()]
}

/// A random rotation matrix (row-major) from a uniformly random unit quaternion.
pub(crate) fn random_rotation<R: Rng>(rng: &mut R) -> [f64; 9] {
    let mut q: [f64; 4] = std::array::from_fn(|_| rng.sample::<f64, _>(StandardNormal));
    let norm = q.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
    q.iter_mut().for_each(|v| *v /= norm);
    let [w, x, y, z] = q;
    [
        1.0 - 2.0 * (y * y + z * z),
        2.0 * (x * y - w * z),
        2.0 * (x * z + w * y),
        2.0 * (x * y + w * z),
        1.0 - 2.0 * (x * x + z * z),
        2.0 * (y * z - w * x),
        2.0 * (x * z - w * y),
        2.0 * (y * z + w * x),
        1.0 - 2.0 * (x * x + y * y),
    ]
}

/// The body of a lesion (see the module docs), relative to its centre.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Rotation, row-major; column `j` is the lesion's axis `j` in physical (x, y, z).
    pub rotation: [f64; 9],
    /// Semi-axes in mm (`R_eq` times the axis factors).
    pub semi_axes: [f64; 3],
    /// The radial factor `s(u)`.
    pub surface: SphereTable,
}

impl Body {
    /// The ellipsoid coordinates `w = (Qᵀp)/a` of a point relative to the centre.
    fn local(&self, p: [f64; 3]) -> [f64; 3] {
        let q = &self.rotation;
        [
            (q[0] * p[0] + q[3] * p[1] + q[6] * p[2]) / self.semi_axes[0],
            (q[1] * p[0] + q[4] * p[1] + q[7] * p[2]) / self.semi_axes[1],
            (q[2] * p[0] + q[5] * p[1] + q[8] * p[2]) / self.semi_axes[2],
        ]
    }

    /// Whether the point `p` (mm, relative to the centre) is inside.
    pub fn contains(&self, p: [f64; 3]) -> bool {
        let w = self.local(p);
        let rho = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
        if rho >= BODY_S.1 {
            return false;
        }
        if rho < BODY_S.0 {
            return true;
        }
        rho < self.surface.at([w[0] / rho, w[1] / rho, w[2] / rho])
    }

    /// The surface points at the table nodes (mm, relative to the centre).
    pub fn surface_points(&self) -> Vec<[f64; 3]> {
        let q = &self.rotation;
        self.surface
            .nodes()
            .map(|(u, s)| {
                let l = [
                    u[0] * self.semi_axes[0] * s,
                    u[1] * self.semi_axes[1] * s,
                    u[2] * self.semi_axes[2] * s,
                ];
                [
                    q[0] * l[0] + q[1] * l[1] + q[2] * l[2],
                    q[3] * l[0] + q[4] * l[1] + q[5] * l[2],
                    q[6] * l[0] + q[7] * l[1] + q[8] * l[2],
                ]
            })
            .collect()
    }

    /// The largest |coordinate| of the surface along each physical axis (mm).
    pub fn extent(&self) -> [f64; 3] {
        let mut e = [0.0f64; 3];
        for p in self.surface_points() {
            for a in 0..3 {
                e[a] = e[a].max(p[a].abs());
            }
        }
        e
    }

    /// The body's volume in mm³ (from the table).
    pub fn volume(&self) -> f64 {
        4.0 / 3.0 * PI * self.semi_axes.iter().product::<f64>() * self.surface.mean_cube()
    }
}

/// The radius of the body along the physical unit direction `w` (mm).
fn radius_along(body: &Body, w: [f64; 3]) -> f64 {
    let l = body.local(w);
    let norm = (l[0] * l[0] + l[1] * l[1] + l[2] * l[2]).sqrt();
    body.surface.at([l[0] / norm, l[1] / norm, l[2] / norm]) / norm
}

/// Where the habitats sit (see the module docs; lengths in mm relative to the body centre).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CorePlacement {
    /// Scale `α_core` of the necrotic core (a copy of the body scaled by `α_core`).
    pub core_scale: f64,
    /// Scale `α_shell > α_core` of the transition shell's outer surface.
    pub shell_scale: f64,
    /// Centre of the scaled copies relative to the body centre.
    pub centre: [f64; 3],
    /// Shift actually applied (`e·t_max`).
    pub shift: f64,
    /// The largest admissible shift along the chosen direction.
    pub max_shift: f64,
    /// The in-plane angle (radians from +x) of the shift direction.
    pub angle: f64,
    /// Enhancing rim along the shift direction, on the near (thin) side.
    pub rim_thin: f64,
    /// Enhancing rim along the opposite direction (thick side).
    pub rim_thick: f64,
}

/// Whether the shell (scale `shell_scale`, centred at `t·w`) stays at least [`RIM_MIN_MM`]
/// (plus a clearance) inside the body, checked on the given surface points.
fn shell_fits(body: &Body, points: &[[f64; 3]], shell_scale: f64, t: f64, w: [f64; 3]) -> bool {
    points.iter().all(|p| {
        let norm = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt().max(1e-9);
        let reach = shell_scale + (RIM_MIN_MM + CLEARANCE_MM) / norm;
        body.contains([t * w[0] + reach * p[0], t * w[1] + reach * p[1], t * w[2] + reach * p[2]])
    })
}

/// Places the core and shell (scaled copies of the body) and shifts them by
/// `eccentricity ∈ [0, 1]` of the largest admissible in-plane shift, trying [`DIRECTIONS`]
/// directions starting at `start_angle` and keeping the roomiest.
pub(crate) fn place_core(
    body: &Body,
    core_scale: f64,
    shell_scale: f64,
    eccentricity: f64,
    start_angle: f64,
) -> CorePlacement {
    // Every third node in θ and φ (about 380 points): the shell surface follows the body's,
    // so this is dense enough for the 0.3 mm clearance.
    let points: Vec<[f64; 3]> = body
        .surface_points()
        .into_iter()
        .enumerate()
        .filter(|(k, _)| (k / N_PHI) % 3 == 0 && (k % N_PHI) % 3 == 0)
        .map(|(_, p)| p)
        .collect();
    let mut best = (0.0f64, start_angle);
    if shell_fits(body, &points, shell_scale, 0.0, [1.0, 0.0, 0.0]) {
        for k in 0..DIRECTIONS {
            let angle = start_angle + k as f64 * 2.0 * PI / DIRECTIONS as f64;
            let w = [angle.cos(), angle.sin(), 0.0];
            // Coarse scan in 0.5 mm steps, then bisection to 0.01 mm.
            let mut ok = 0.0;
            while ok < 40.0 && shell_fits(body, &points, shell_scale, ok + 0.5, w) {
                ok += 0.5;
            }
            let mut fail = ok + 0.5;
            while fail - ok > 0.01 {
                let mid = 0.5 * (ok + fail);
                if shell_fits(body, &points, shell_scale, mid, w) {
                    ok = mid;
                } else {
                    fail = mid;
                }
            }
            if ok > best.0 + 1e-9 {
                best = (ok, angle);
            }
        }
    }
    let (max_shift, angle) = best;
    let shift = eccentricity.clamp(0.0, 1.0) * max_shift;
    let w = [angle.cos(), angle.sin(), 0.0];
    let centre = [shift * w[0], shift * w[1], 0.0];
    let near = radius_along(body, w);
    let far = radius_along(body, [-w[0], -w[1], 0.0]);
    CorePlacement {
        core_scale,
        shell_scale,
        centre,
        shift,
        max_shift,
        angle,
        rim_thin: (1.0 - shell_scale) * near - shift,
        rim_thick: (1.0 - shell_scale) * far + shift,
    }
}

impl Body {
    /// The habitat (1 enhancing, 2 transition, 3 necrotic) of a point `p` inside the body
    /// (relative to the body centre): with `d = p − centre` and `f(d) = |w(d)|/s(u(d))` the
    /// fraction of the way from the habitats' centre to the (scaled) surface, necrotic when
    /// `f < α_core`, transition when `f < α_shell`, enhancing otherwise.
    pub fn habitat(&self, placement: &CorePlacement, p: [f64; 3]) -> u8 {
        let c = placement.centre;
        let l = self.local([p[0] - c[0], p[1] - c[1], p[2] - c[2]]);
        let rho = (l[0] * l[0] + l[1] * l[1] + l[2] * l[2]).sqrt();
        if rho >= placement.shell_scale * BODY_S.1 {
            return 1;
        }
        let fraction = if rho > 0.0 {
            rho / self.surface.at([l[0] / rho, l[1] / rho, l[2] / rho])
        } else {
            0.0
        };
        if fraction < placement.core_scale {
            3
        } else if fraction < placement.shell_scale {
            2
        } else {
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sphere(radius: f64) -> Body {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        Body {
            rotation: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            semi_axes: [radius; 3],
            surface: SphereTable::random(&mut rng, 0.5, 0.0, BODY_S),
        }
    }

    #[test]
    fn rotation_is_orthonormal() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let q = random_rotation(&mut rng);
        for i in 0..3 {
            for j in 0..3 {
                let dot: f64 = (0..3).map(|k| q[3 * k + i] * q[3 * k + j]).sum();
                assert!((dot - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
    }

    /// A plain sphere of radius 10 with shell scale 0.6: at rest the rim is 4 mm everywhere;
    /// the shell can move until 0.8 mm (+0.2 mm clearance) of rim is left: t_max = 4 − 1 =
    /// 3 mm (to the table's precision), leaving rims of 1 and 7 mm.
    #[test]
    fn habitats_in_a_sphere() {
        let body = sphere(10.0);
        assert!((body.volume() - 4.0 / 3.0 * PI * 1000.0).abs() < 1e-6);
        assert!(body.contains([9.9, 0.0, 0.0]) && !body.contains([0.0, 0.0, 10.1]));
        let centred = place_core(&body, 0.45, 0.6, 0.0, 0.0);
        assert_eq!(centred.shift, 0.0);
        assert!((centred.max_shift - 3.0).abs() < 0.05, "{}", centred.max_shift);
        assert!((centred.rim_thin - 4.0).abs() < 1e-9 && (centred.rim_thick - 4.0).abs() < 1e-9);
        assert_eq!(body.habitat(&centred, [0.0, 0.0, 0.0]), 3);
        assert_eq!(body.habitat(&centred, [0.0, 4.4, 0.0]), 3);
        assert_eq!(body.habitat(&centred, [0.0, 0.0, -4.6]), 2);
        assert_eq!(body.habitat(&centred, [5.9, 0.0, 0.0]), 2);
        assert_eq!(body.habitat(&centred, [6.1, 0.0, 0.0]), 1);
        let eccentric = place_core(&body, 0.45, 0.6, 1.0, 0.3);
        assert!((eccentric.shift - eccentric.max_shift).abs() < 1e-12);
        assert!((eccentric.rim_thin - 1.0).abs() < 0.05, "{}", eccentric.rim_thin);
        assert!((eccentric.rim_thick - 7.0).abs() < 0.05, "{}", eccentric.rim_thick);
        assert_eq!(eccentric.centre[2], 0.0);
        // The shell's outer edge on the thin side sits 1 mm inside the surface.
        let w = [eccentric.angle.cos(), eccentric.angle.sin(), 0.0];
        assert_eq!(body.habitat(&eccentric, [8.9 * w[0], 8.9 * w[1], 0.0]), 2);
        assert_eq!(body.habitat(&eccentric, [9.1 * w[0], 9.1 * w[1], 0.0]), 1);
    }
}
