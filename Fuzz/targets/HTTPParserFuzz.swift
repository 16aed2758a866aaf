// libFuzzer target: the HTTP/1.1 request parser. Compiled together with
// Sources/HTTP1 by Fuzz/run.sh. Properties checked on every input:
// - nothing traps, whatever the bytes;
// - the same bytes split differently give the same requests or the same error
//   (two readings of one stream would let a request be smuggled past a check);
// - every body stays within the limit.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = HTTPParserLimits(maxHeaderBytes: 2048, maxHeaderCount: 20, maxBodyBytes: 4096, maxOverheadBytes: 4096)
    let whole = parse(bytes, split: bytes.count, limits: limits)
    let split = 1 + (bytes.first.map(Int.init) ?? 0) % 7
    let pieces = parse(bytes, split: split, limits: limits)
    if whole != pieces { fatalError("one stream, two readings: \(whole) vs \(pieces) (split \(split))") }
    return 0
}

private func parse(_ bytes: [UInt8], split: Int, limits: HTTPParserLimits) -> [String] {
    var parser = HTTPRequestParser(limits: limits)
    var out: [String] = []
    var i = 0
    repeat {
        let end = min(bytes.count, i + max(1, split))
        parser.feed(bytes[i..<end])
        i = end
        do {
            while let request = try parser.next() {
                if request.body.count > limits.maxBodyBytes { fatalError("a body past the limit") }
                out.append("\(request.method) \(request.target) \(request.headers.count) \(request.body)")
            }
        } catch {
            out.append("error \(error.status)")
            return out
        }
    } while i < bytes.count
    return out
}
