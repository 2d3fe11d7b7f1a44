//! Storage arrays and network switches: devices with a constant typical power draw.

/// The kind of a non-server device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// Storage array or enclosure.
    Storage,
    /// Network switch.
    Network,
}

/// A group of identical devices.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceGroup {
    /// Storage or network.
    pub kind: DeviceKind,
    /// Catalog id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// How many.
    pub count: u32,
    /// Typical draw of one device, W.
    pub power_w_each: f64,
}

impl DeviceGroup {
    /// Draw of the whole group, W.
    pub fn power_w(&self) -> f64 {
        self.power_w_each * self.count as f64
    }
}
