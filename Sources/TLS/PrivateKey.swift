import COpenSSL
import Foundation

/// A private key (ECDSA P-256 for keys syncnode makes). Owns its `EVP_PKEY*`.
public final class PrivateKey: @unchecked Sendable {   // an EVP_PKEY is only read once made; OpenSSL 3 allows that from any thread
    let handle: OpaquePointer

    init(owning handle: OpaquePointer) { self.handle = handle }

    deinit { EVP_PKEY_free(handle) }

    /// Generates a new ECDSA P-256 key.
    public static func generateP256() throws -> PrivateKey {
        guard let key = shim_EVP_EC_gen_P256() else { throw TLSError.fromQueue("generate P-256 key") }
        return PrivateKey(owning: key)
    }

    /// Reads a PEM private key from a file.
    public convenience init(pemFile path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let key = withMemoryBIO(data, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            throw TLSError.fromQueue("read private key \(path)", fallback: "not a PEM private key")
        }
        self.init(owning: key)
    }

    /// The key in PEM (PKCS#8), unencrypted.
    public func pem() throws -> String {
        try readMemoryBIO("write private key") { PEM_write_bio_PrivateKey($0, handle, nil, nil, 0, nil, nil) }
    }
}

/// Runs `body` with a read-only memory BIO over `data`.
func withMemoryBIO<T>(_ data: Data, _ body: (OpaquePointer) -> T?) -> T? {
    data.withUnsafeBytes { raw -> T? in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
        defer { BIO_free(bio) }
        return body(bio)
    }
}

/// Lets `write` fill a memory BIO and returns its contents as text.
func readMemoryBIO(_ operation: String, _ write: (OpaquePointer) -> Int32) throws -> String {
    guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.fromQueue(operation) }
    defer { BIO_free(bio) }
    guard write(bio) == 1 else { throw TLSError.fromQueue(operation) }
    var pointer: UnsafeMutablePointer<CChar>?
    let length = shim_BIO_get_mem_data(bio, &pointer)
    guard let pointer, length > 0 else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(length)), as: UTF8.self)
}
