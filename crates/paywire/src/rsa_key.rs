//! RSA keys for `rsa-sha1` / `rsa-sha256` profiles (PKCS#1 v1.5 signatures).
//!
//! The key is given where other profiles take the merchant secret: a PEM text (PKCS#8
//! `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`), or the
//! bare base64 of the DER, as gateways' consoles often hand it out. A private key signs; a
//! public key (the gateway's) verifies, and so does a private key, through its public half, so
//! one test key can play both sides. Parsed key material is zeroized by the `rsa` crate.

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use rsa::{PrivateKey, PublicKey};

use crate::Secret;

/// A parsed RSA key, or why the text given is not one.
#[derive(Clone)]
pub enum RsaKey {
    /// A private key: signs, and verifies with its public half.
    Private(Box<PrivateKey>),
    /// A public key: verifies only.
    Public(Box<PublicKey>),
    /// Not a usable key (the reason names no key material).
    Invalid(String),
}

impl RsaKey {
    /// Parse the key text in `secret`.
    pub fn parse(secret: &Secret) -> Self {
        let text = secret.expose().trim();
        if text.contains("-----BEGIN") {
            if let Ok(k) = PrivateKey::from_pkcs8_pem(text) {
                return Self::Private(Box::new(k));
            }
            if let Ok(k) = PrivateKey::from_pkcs1_pem(text) {
                return Self::Private(Box::new(k));
            }
            if let Ok(k) = PublicKey::from_public_key_pem(text) {
                return Self::Public(Box::new(k));
            }
            if let Ok(k) = PublicKey::from_pkcs1_pem(text) {
                return Self::Public(Box::new(k));
            }
            return Self::Invalid(
                "the PEM text is not an RSA key (PKCS#8, PKCS#1 or SPKI)".to_owned(),
            );
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let der = {
            use base64::Engine as _;
            match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
                Ok(d) => zeroize::Zeroizing::new(d),
                Err(_) => {
                    return Self::Invalid(
                        "the key is neither PEM nor base64 DER (an RSA profile takes a PEM key, not a shared secret)".to_owned(),
                    );
                }
            }
        };
        if let Ok(k) = PrivateKey::from_pkcs8_der(&der) {
            return Self::Private(Box::new(k));
        }
        if let Ok(k) = PrivateKey::from_pkcs1_der(&der) {
            return Self::Private(Box::new(k));
        }
        if let Ok(k) = PublicKey::from_public_key_der(&der) {
            return Self::Public(Box::new(k));
        }
        if let Ok(k) = PublicKey::from_pkcs1_der(&der) {
            return Self::Public(Box::new(k));
        }
        Self::Invalid("the base64 DER is not an RSA key (PKCS#8, PKCS#1 or SPKI)".to_owned())
    }

    /// Why this key cannot sign, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::Private(_) => None,
            Self::Public(_) => Some(
                "an RSA public key cannot sign: sign with the merchant's private key".to_owned(),
            ),
            Self::Invalid(why) => Some(why.clone()),
        }
    }

    fn public(&self) -> Option<PublicKey> {
        match self {
            Self::Private(k) => Some(k.as_ref().as_ref().clone()),
            Self::Public(k) => Some(k.as_ref().clone()),
            Self::Invalid(_) => None,
        }
    }

    fn sign_prehash<D: rsa::sha2::digest::Digest + rsa::pkcs8::AssociatedOid>(
        &self,
        hash: &[u8],
    ) -> Vec<u8> {
        match self {
            Self::Private(k) => rsa::pkcs1v15::SigningKey::<D>::new(k.as_ref().clone())
                .sign_prehash(hash)
                .map(|s| Box::<[u8]>::from(s).into_vec())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn verify_prehash<D: rsa::sha2::digest::Digest + rsa::pkcs8::AssociatedOid>(
        &self,
        hash: &[u8],
        signature: &[u8],
    ) -> bool {
        let Some(public) = self.public() else {
            return false;
        };
        let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
            return false;
        };
        rsa::pkcs1v15::VerifyingKey::<D>::new(public)
            .verify_prehash(hash, &sig)
            .is_ok()
    }

    /// SHA1withRSA signature of a SHA-1 hash (empty when this key cannot sign).
    #[cfg(feature = "rsa-sha1")]
    pub fn sign_sha1(&self, hash: &[u8]) -> Vec<u8> {
        self.sign_prehash::<sha1::Sha1>(hash)
    }

    /// SHA256withRSA signature of a SHA-256 hash (empty when this key cannot sign).
    #[cfg(feature = "rsa-sha256")]
    pub fn sign_sha256(&self, hash: &[u8]) -> Vec<u8> {
        self.sign_prehash::<sha2::Sha256>(hash)
    }

    /// Whether `signature` is a SHA1withRSA signature of the SHA-1 `hash` under this key.
    #[cfg(feature = "rsa-sha1")]
    pub fn verify_sha1(&self, hash: &[u8], signature: &[u8]) -> bool {
        self.verify_prehash::<sha1::Sha1>(hash, signature)
    }

    /// Whether `signature` is a SHA256withRSA signature of the SHA-256 `hash` under this key.
    #[cfg(feature = "rsa-sha256")]
    pub fn verify_sha256(&self, hash: &[u8], signature: &[u8]) -> bool {
        self.verify_prehash::<sha2::Sha256>(hash, signature)
    }
}
