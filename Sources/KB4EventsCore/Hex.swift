/// Lower-case hex of bytes (a digest, a MAC): the one hex encoder of the package (SigV4's signatures and hashes,
/// the manifest's sha256).
package func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
