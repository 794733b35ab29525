//! The small vocabulary every provider shares: the common order status, what an error code
//! means, and the HTTP method. (The spec crate has the same names for the spec file's model;
//! the interpreter converts.)

/// The common status every gateway's codes map onto.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommonStatus {
    /// Created, not yet picked up.
    Pending,
    /// Being worked on.
    Processing,
    /// Money moved.
    Succeeded,
    /// Did not happen.
    Failed,
    /// Cancelled or rejected before money moved.
    Cancelled,
    /// Not known.
    #[default]
    Unknown,
}

impl CommonStatus {
    /// Whether the order can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }

    /// The status's name (`succeeded`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Unknown => "unknown",
        }
    }
}

/// What a gateway's documentation says an error code stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorMeaning {
    /// The signature did not verify.
    Signature,
    /// The merchant order id was used before.
    Duplicate,
    /// A field is missing or malformed.
    Invalid,
    /// No such order.
    NotFound,
    /// The Authorization header (or merchant credential) is wrong.
    Auth,
    /// Too many requests.
    RateLimited,
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A status as the gateway wrote it and as the common status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayStatus {
    /// The gateway's code, as text.
    pub code: String,
    /// The common status it maps to.
    pub common: CommonStatus,
}
