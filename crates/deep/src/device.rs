//! The one place a compute backend is chosen.
//!
//! radlsig never lets Burn pick a default device: the caller names one. `cpu` (Burn's flex
//! backend, im2col + gemm, multithreaded through rayon) is always compiled in and is what the
//! tests and CI use. `ndarray` (Burn's deprecated ndarray backend, about 30× slower for 3D
//! convolutions) and `wgpu` (GPU through Vulkan/Metal/DX12) are opt-in cargo features.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

use crate::{Error, Result};

/// A compute backend, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComputeDevice {
    /// Burn's flex CPU backend (the default; bit-reproducible for a seed and thread count).
    #[default]
    Cpu,
    /// Burn's ndarray CPU backend (cargo feature `ndarray`).
    Ndarray,
    /// The default GPU through wgpu (cargo feature `wgpu`).
    Wgpu,
}

impl ComputeDevice {
    /// The backend's name as the command line writes it.
    pub fn name(self) -> &'static str {
        match self {
            ComputeDevice::Cpu => "cpu",
            ComputeDevice::Ndarray => "ndarray",
            ComputeDevice::Wgpu => "wgpu",
        }
    }

    /// The Burn device (without autodiff), or [`Error::DeviceUnavailable`] when this build
    /// lacks the backend's cargo feature.
    pub fn device(self) -> Result<Device> {
        match self {
            #[cfg(feature = "flex")]
            ComputeDevice::Cpu => Ok(Device::flex()),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)] // Kept on purpose, as a slower reference backend.
            ComputeDevice::Ndarray => Ok(Device::ndarray()),
            #[cfg(feature = "wgpu")]
            ComputeDevice::Wgpu => Ok(Device::wgpu(Default::default())),
            #[allow(unreachable_patterns)]
            other => Err(Error::DeviceUnavailable {
                name: other.name().to_string(),
                feature: match other {
                    ComputeDevice::Cpu => "flex",
                    ComputeDevice::Ndarray => "ndarray",
                    ComputeDevice::Wgpu => "wgpu",
                },
            }),
        }
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ComputeDevice {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cpu" | "flex" => Ok(ComputeDevice::Cpu),
            "ndarray" => Ok(ComputeDevice::Ndarray),
            "wgpu" | "gpu" => Ok(ComputeDevice::Wgpu),
            other => Err(format!("unknown device {other:?} (expected cpu, ndarray or wgpu)")),
        }
    }
}
