import Glibc

/// A failure to convert text between encodings.
public struct TranscodingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Converts a byte stream from a legacy encoding (GB18030, common in Chinese
/// government exports) to UTF-8 with glibc's iconv, chunk by chunk: a
/// multi-byte character split across chunks is carried over, so a file of
/// any size converts in constant memory. Owns its `iconv_t`.
public final class Transcoder {
    private let handle: iconv_t
    private var carry: [UInt8] = []
    /// The source encoding's name, e.g. "GB18030".
    public let encoding: String

    public init(from encoding: String) throws {
        guard let cd = iconv_open("UTF-8", encoding), Int(bitPattern: cd) != -1 else {
            throw TranscodingError(message: "the encoding '\(encoding)' is not available on this system")
        }
        handle = cd
        self.encoding = encoding
    }

    deinit { iconv_close(handle) }

    /// Converts the next chunk. `final` says no more input follows: an
    /// incomplete character left over is then an error.
    /// - Parameter offset: the chunk's position in the whole input, for errors.
    public func convert(_ chunk: [UInt8], final: Bool, offset: Int = 0) throws -> [UInt8] {
        var input = carry + chunk
        carry = []
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        var inLeft = input.count
        var outLeft = output.count
        let (rc, code) = input.withUnsafeMutableBytes { inRaw in
            output.withUnsafeMutableBytes { outRaw in
                var inPtr: UnsafeMutablePointer<CChar>? = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outPtr: UnsafeMutablePointer<CChar>? = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                let rc = iconv(handle, &inPtr, &inLeft, &outPtr, &outLeft)
                return (rc, errno)
            }
        }
        let consumed = input.count - inLeft
        if rc == -1 {
            switch code {
            case EINVAL where !final:
                carry = Array(input[consumed...])   // a character split across chunks
            case EINVAL:
                throw TranscodingError(message: "the input ends inside a \(encoding) character (byte \(offset + consumed))")
            default:
                throw TranscodingError(message: "byte \(offset - (input.count - chunk.count) + consumed) is not valid \(encoding); choose the file's real encoding")
            }
        }
        return Array(output[0..<(output.count - outLeft)])
    }
}
