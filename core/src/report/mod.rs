//! Renderers for findings (being written).
