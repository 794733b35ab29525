//! The trait every generated request type implements, so one client can send any provider's
//! operations.

use crate::gateway::{Gateway, Response, ResponseError};
use crate::secret::Secret;
use crate::wire::WireFields;

/// A typed request of some gateway operation (implemented by generated code).
pub trait Request {
    /// The typed payload of a successful response.
    type Payload;
    /// The provider's error code type.
    type Error;

    /// The operation's name in the spec.
    const OPERATION: &'static str;

    /// The gateway the operation belongs to.
    fn gateway() -> &'static Gateway;

    /// The fields as they go on the wire (before signing).
    fn wire(&self) -> WireFields;

    /// Read a response body into the typed payload or the typed rejection.
    fn read_body(
        body: &[u8],
        secret: &Secret,
    ) -> Result<Response<Self::Payload, Self::Error>, ResponseError>;

    /// The provider's error code for a code written as text.
    fn error_code(code: &str) -> Self::Error;

    /// The merchant's order id carried by this request, when the operation names one.
    fn order_id(&self) -> Option<String> {
        let op = Self::gateway().operation(Self::OPERATION).ok()?;
        let key = op.order_id.as_deref()?;
        self.wire().get(key).and_then(|v| v.text())
    }
}
