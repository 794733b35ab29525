//! The trait every generated request type implements, so one client can send any provider's
//! operations.

use crate::exchange::{Credentials, GatewayError, PreparedRequest, Response, ResponseError};
use crate::secret::Secret;
use crate::types::ErrorMeaning;

/// A typed request of some gateway operation (implemented by generated code).
pub trait Request {
    /// The typed payload of a successful response.
    type Payload;
    /// The provider's error code type.
    type Error;
    /// The provider's signing profiles.
    type Profile: Copy;

    /// The operation's name in the spec.
    const OPERATION: &'static str;

    /// Whether the operation's answer carries the order's status (a query).
    const MAPS_STATUS: bool;

    /// Validate, sign (with the operation's profile, or `profile`) and encode.
    fn prepare_request(
        &self,
        credentials: &Credentials,
        profile: Option<Self::Profile>,
    ) -> Result<PreparedRequest, GatewayError>;

    /// Read a response body into the typed payload or the typed rejection; `profile` is the
    /// one the request was sent with (`None`: the operation's own), which answers signed with
    /// one of the spec's offered profiles are verified with.
    fn read_body(
        body: &[u8],
        secret: &Secret,
        profile: Option<Self::Profile>,
    ) -> Result<Response<Self::Payload, Self::Error>, ResponseError>;

    /// The provider's error code for a code written as text.
    fn error_code(code: &str) -> Self::Error;

    /// What the spec says a code means (duplicate order, bad signature...).
    fn meaning(code: &str) -> Option<ErrorMeaning>;

    /// Whether the spec lists a code: only listed codes are refusals that prove nothing was
    /// created; any other is indeterminate.
    fn documented(code: &str) -> bool;

    /// When the spec names the answer's field that echoes the order id, and the answer carries
    /// another one: `(field, sent, answered)`. Such an answer is not this request's.
    fn answer_mismatch(&self, payload: &Self::Payload) -> Option<(String, String, String)>;

    /// The merchant's order id carried by this request, when the operation names one.
    fn order_id(&self) -> Option<String>;
}
