import Glibc

/// The port of a bound or connected socket address.
func socketPort(_ storage: sockaddr_storage) -> Int {
    var copy = storage
    return withUnsafePointer(to: &copy) { ptr in
        if Int32(storage.ss_family) == AF_INET6 {
            return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
        }
        return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
    }
}

/// "host:port" for a socket address, numeric.
func socketAddressText(_ storage: sockaddr_storage) -> (host: String, port: String) {
    var copy = storage
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
    let length = socklen_t(Int32(storage.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafePointer(to: &copy) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
    }
    guard rc == 0 else { return ("unknown", "0") }
    func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return (text(host), text(service))
}

/// Resolves `host:port` numerically or by name; the caller frees the list.
func resolve(host: String, port: Int, passive: Bool) throws(PosixError) -> UnsafeMutablePointer<addrinfo> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    if passive { hints.ai_flags = AI_PASSIVE }
    var info: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(host, String(port), &hints, &info)
    guard rc == 0, let first = info else {
        throw PosixError("resolve \(host):\(port) (\(String(cString: gai_strerror(rc))))", code: EINVAL)
    }
    return first
}
