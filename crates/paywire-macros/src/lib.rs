//! x
use proc_macro::TokenStream;
/// x
#[proc_macro]
pub fn gateway(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
