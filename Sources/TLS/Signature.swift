import COpenSSL
import Foundation

/// Signatures with a node's own key (ECDSA P-256 over SHA-256, DER-encoded),
/// checked with its certificate: what a node signs its audit chain's head with.
extension PrivateKey {
    /// The signature of `message`.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw TLSError.fromQueue("sign") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, handle) == 1 else { throw TLSError.fromQueue("sign") }
        var length = 0
        let ok = message.withUnsafeBufferPointer { m in EVP_DigestSign(context, nil, &length, m.baseAddress, m.count) }
        guard ok == 1, length > 0 else { throw TLSError.fromQueue("sign") }
        var signature = [UInt8](repeating: 0, count: length)
        let done = signature.withUnsafeMutableBufferPointer { s in
            message.withUnsafeBufferPointer { m in EVP_DigestSign(context, s.baseAddress, &length, m.baseAddress, m.count) }
        }
        guard done == 1 else { throw TLSError.fromQueue("sign") }
        return Array(signature.prefix(length))
    }
}

extension Certificate {
    /// Whether `signature` is this certificate's key's signature of `message`.
    public func verifies(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard !signature.isEmpty, signature.count <= 512, let key = X509_get0_pubkey(handle), let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let result = signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in EVP_DigestVerify(context, s.baseAddress, s.count, m.baseAddress, m.count) }
        }
        ERR_clear_error()
        return result == 1
    }

    /// Reads a certificate from its DER bytes (at most 16 KiB).
    public convenience init(der bytes: [UInt8]) throws {
        guard !bytes.isEmpty, bytes.count <= 16_384 else { throw TLSError("read certificate", reason: "not a DER certificate of at most 16 KiB") }
        let x509 = bytes.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var p: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &p, buffer.count)
        }
        guard let x509 else { throw TLSError.fromQueue("read certificate", fallback: "not a DER certificate") }
        self.init(owning: x509)
    }

    /// The certificate's DER bytes.
    public var der: [UInt8] {
        let length = i2d_X509(handle, nil)
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var p: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            _ = i2d_X509(handle, &p)
        }
        return bytes
    }

    /// Reads a certificate from PEM text.
    public convenience init(pem text: String) throws {
        guard let x509 = withMemoryBIO(Data(text.utf8), { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            throw TLSError.fromQueue("read certificate", fallback: "not a PEM certificate")
        }
        self.init(owning: x509)
    }
}
