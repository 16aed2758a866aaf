import COpenSSL

/// AES-256-GCM from OpenSSL's EVP interface: authenticated encryption of one
/// message (a backup is sealed as a sequence of them). The 16-byte tag is
/// checked on opening; any change to the ciphertext, the nonce, the
/// additional data or the key makes opening fail.
public enum AES256GCM {
    public static let keyBytes = 32
    public static let nonceBytes = 12
    public static let tagBytes = 16

    /// Encrypts `plaintext`; returns the ciphertext with the tag appended.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        guard key.count == keyBytes, nonce.count == nonceBytes else { throw TLSError("seal", reason: "AES-256-GCM needs a 32-byte key and a 12-byte nonce") }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw TLSError.fromQueue("seal") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw TLSError.fromQueue("seal: init") }
        var length: Int32 = 0
        if !aad.isEmpty { guard EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 else { throw TLSError.fromQueue("seal: aad") } }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var written: Int32 = 0
        if !plaintext.isEmpty {
            guard EVP_EncryptUpdate(ctx, &out, &written, plaintext, Int32(plaintext.count)) == 1 else { throw TLSError.fromQueue("seal: data") }
        }
        var final: Int32 = 0
        let tail = out.withUnsafeMutableBufferPointer { buffer in EVP_EncryptFinal_ex(ctx, buffer.baseAddress! + Int(written), &final) }
        guard tail == 1 else { throw TLSError.fromQueue("seal: final") }
        let size = Int(written + final)
        let tagged = out.withUnsafeMutableBufferPointer { buffer in
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagBytes), buffer.baseAddress! + size)
        }
        guard tagged == 1 else { throw TLSError.fromQueue("seal: tag") }
        return Array(out.prefix(size + tagBytes))
    }

    /// Decrypts what `seal` made; throws when the tag does not match (tampered, wrong key, wrong data).
    public static func open(_ sealed: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        guard key.count == keyBytes, nonce.count == nonceBytes, sealed.count >= tagBytes else {
            throw TLSError("open", reason: "malformed sealed data")
        }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw TLSError.fromQueue("open") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw TLSError.fromQueue("open: init") }
        var length: Int32 = 0
        if !aad.isEmpty { guard EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1 else { throw TLSError.fromQueue("open: aad") } }
        let body = Array(sealed.dropLast(tagBytes))
        var tag = Array(sealed.suffix(tagBytes))
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var written: Int32 = 0
        if !body.isEmpty {
            guard EVP_DecryptUpdate(ctx, &out, &written, body, Int32(body.count)) == 1 else { throw TLSError.fromQueue("open: data") }
        }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagBytes), &tag) == 1 else { throw TLSError.fromQueue("open: tag") }
        var final: Int32 = 0
        let ok = out.withUnsafeMutableBufferPointer { buffer in EVP_DecryptFinal_ex(ctx, buffer.baseAddress! + Int(written), &final) }
        ERR_clear_error()
        guard ok == 1 else { throw TLSError("open", reason: "the authentication tag does not match: the data was changed, or the key is wrong") }
        return Array(out.prefix(Int(written + final)))
    }
}

/// SHA-256, fed in pieces.
public final class SHA256Digest {
    private let ctx: OpaquePointer

    public init() throws {
        guard let ctx = EVP_MD_CTX_new() else { throw TLSError.fromQueue("digest") }
        self.ctx = ctx
        guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else { throw TLSError.fromQueue("digest: init") }
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
    }

    /// The digest; the object is spent afterwards.
    public func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(ctx, &out, &length)
        return Array(out.prefix(Int(length)))
    }

    /// The digest of `bytes` at once.
    public static func of(_ bytes: [UInt8]) throws -> [UInt8] {
        let digest = try SHA256Digest()
        digest.update(bytes)
        return digest.finish()
    }

    /// The digest of `bytes` in one call (no context to allocate, the algorithm fetched once: the hot path's hash).
    public static func oneShot(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        bytes.withUnsafeBytes { _ = EVP_Digest($0.baseAddress, $0.count, &out, &length, FetchedSHA256.shared.md ?? EVP_sha256(), nil) }
        return out
    }
}

/// SHA-256 with one context reused for many messages (not thread-safe: one user at a time).
public final class ReusableSHA256 {
    private let ctx: OpaquePointer

    public init() throws {
        guard let ctx = EVP_MD_CTX_new() else { throw TLSError.fromQueue("digest") }
        self.ctx = ctx
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// The digest of `bytes`.
    public func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestInit_ex(ctx, FetchedSHA256.shared.md ?? EVP_sha256(), nil) == 1 else { return SHA256Digest.oneShot(bytes) }
        bytes.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        _ = EVP_DigestFinal_ex(ctx, &out, &length)
        return out
    }
}

/// SHA-256 fetched from OpenSSL's provider once: `EVP_sha256()` looks it up again on every use.
private final class FetchedSHA256: @unchecked Sendable {   // an EVP_MD is immutable once fetched
    static let shared = FetchedSHA256()
    let md: OpaquePointer?
    private init() { md = EVP_MD_fetch(nil, "SHA256", nil) }
}

/// Cryptographically strong random bytes.
public func randomBytes(_ count: Int) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw TLSError.fromQueue("random bytes") }
    return bytes
}

/// `bytes` as lowercase hex digits.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
    return String(decoding: out, as: UTF8.self)
}
