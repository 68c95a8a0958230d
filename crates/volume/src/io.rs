//! Format dispatch by file name, and atomic writes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Mask, Result, Volume, check_geometry, nifti_io, nrrd};

/// The image formats this crate reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// NRRD (`.nrrd`, or `.nhdr` with detached data).
    Nrrd,
    /// NIfTI (`.nii`, `.nii.gz`).
    Nifti,
}

impl Format {
    /// The format a file name implies, or `None`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".nrrd") || name.ends_with(".nhdr") {
            Some(Format::Nrrd)
        } else if name.ends_with(".nii") || name.ends_with(".nii.gz") {
            Some(Format::Nifti)
        } else {
            None
        }
    }
}

/// Reads a volume, choosing the format from the file name.
pub fn read_volume(path: impl AsRef<Path>) -> Result<Volume> {
    let path = path.as_ref();
    match Format::from_path(path) {
        Some(Format::Nrrd) => nrrd::read_nrrd(path),
        Some(Format::Nifti) => nifti_io::read_nifti(path),
        None => Err(Error::UnknownFormat { path: path.to_path_buf() }),
    }
}

/// Writes a volume atomically (temporary file in the same folder, then rename), choosing the
/// format from the file name. NRRD is written gzip-compressed.
pub fn write_volume(volume: &Volume, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let format = Format::from_path(path).ok_or_else(|| Error::UnknownFormat { path: path.to_path_buf() })?;
    match format {
        Format::Nrrd => write_atomically(path, |tmp| {
            let bytes = nrrd::nrrd_bytes(volume, nrrd::NrrdEncoding::Gzip);
            fs::File::create(tmp).and_then(|mut f| f.write_all(&bytes)).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })
        }),
        Format::Nifti => write_atomically(path, |tmp| nifti_io::write_nifti(volume, tmp)),
    }
}

/// Runs `write` on a temporary path next to `path` (same extension, so format detection still
/// works) and renames the result onto `path`. On failure the temporary file is removed and
/// `path` is left as it was, so no half-written output is ever visible.
pub fn write_atomically<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> std::result::Result<(), E>,
) -> std::result::Result<(), E>
where
    E: From<Error>,
{
    let tmp = temporary_sibling(path);
    let result = write(&tmp);
    match result {
        Ok(()) => fs::rename(&tmp, path).map_err(|source| {
            let _ = fs::remove_file(&tmp);
            E::from(Error::Io { path: path.to_path_buf(), source })
        }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `dir/.<stem>-tmp-<pid>-<n><ext>`: hidden, unique per process and call, with the final
/// extension kept (`.nii.gz` whole) so format detection still works. The stem has its dots
/// replaced, because the NIfTI writer rewrites everything after the last dot.
fn temporary_sibling(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext_len = if name.to_ascii_lowercase().ends_with(".nii.gz") {
        7
    } else {
        name.rfind('.').filter(|&i| i > 0).map_or(0, |i| name.len() - i)
    };
    let (stem, ext) = name.split_at(name.len() - ext_len);
    let stem = stem.replace('.', "_");
    path.with_file_name(format!(".{stem}-tmp-{}-{n}{ext}", std::process::id()))
}

/// Reads an image and its mask, checks that both are finite and share a grid within
/// `tolerance`, and selects `label`. Every error names the file it concerns.
pub fn read_image_and_mask(
    image_path: &Path,
    mask_path: &Path,
    label: i64,
    tolerance: crate::GeometryTolerance,
) -> Result<(Volume, Mask)> {
    let image = read_volume(image_path)?;
    image.check_finite(&image_path.display().to_string())?;
    let labels = read_volume(mask_path)?;
    labels.check_finite(&mask_path.display().to_string())?;
    check_geometry(
        image.geometry(),
        labels.geometry(),
        tolerance,
        &image_path.display().to_string(),
        &mask_path.display().to_string(),
    )?;
    let mask = Mask::from_labels(&labels, label, &mask_path.display().to_string())?;
    Ok((image, mask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Geometry, PixelType};
    use ndarray::Array3;

    #[test]
    fn failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let r: std::result::Result<(), Error> = write_atomically(&target, |tmp| {
            fs::write(tmp, b"partial").unwrap();
            Err(Error::Shape { what: "test", reason: "boom".into() })
        });
        assert!(r.is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn write_then_read_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        let data = Array3::from_shape_fn((2, 3, 4), |(z, y, x)| (z + y + x) as f64);
        let v = Volume::new(data, Geometry::new([4, 3, 2], [1.0, 1.0, 2.5]), PixelType::UInt8).unwrap();
        for name in ["a.nrrd", "a.b.nii.gz", "a.b.nii"] {
            let p = dir.path().join(name);
            write_volume(&v, &p).unwrap();
            assert_eq!(read_volume(&p).unwrap().data(), v.data());
        }
        assert!(matches!(read_volume(dir.path().join("a.png")), Err(Error::UnknownFormat { .. })));
        let names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(names.iter().all(|n| !n.contains("-tmp-")), "{names:?}");
        assert_eq!(names.len(), 3);
    }
}
