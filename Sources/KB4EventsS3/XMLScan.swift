import Foundation

/// Just enough XML for S3 and STS answers, which are flat and machine-written: the text of `<Tag>…</Tag>` elements,
/// entities decoded. No attributes, no namespaces on the tags we read, no CDATA.
enum XMLScan {
    /// The inner text of every `<tag>…</tag>` (or `<tag/>` as ""), in order.
    static func all(_ tag: String, in xml: String) -> [String] {
        var results: [String] = []
        let open = "<\(tag)>", close = "</\(tag)>", empty = "<\(tag)/>"
        var rest = xml[...]
        while true {
            let o = rest.range(of: open), e = rest.range(of: empty)
            if let e, o == nil || e.lowerBound < o!.lowerBound {
                results.append("")
                rest = rest[e.upperBound...]
                continue
            }
            guard let o, let c = rest[o.upperBound...].range(of: close) else { break }
            results.append(decode(String(rest[o.upperBound..<c.lowerBound])))
            rest = rest[c.upperBound...]
        }
        return results
    }

    /// The raw (undecoded) inner XML of every `<tag>…</tag>`, for nested blocks such as `<Contents>`.
    static func blocks(_ tag: String, in xml: String) -> [String] {
        var results: [String] = []
        let open = "<\(tag)>", close = "</\(tag)>"
        var rest = xml[...]
        while let o = rest.range(of: open), let c = rest[o.upperBound...].range(of: close) {
            results.append(String(rest[o.upperBound..<c.lowerBound]))
            rest = rest[c.upperBound...]
        }
        return results
    }

    /// The first `<tag>` text.
    static func first(_ tag: String, in xml: String) -> String? { all(tag, in: xml).first }

    /// `&amp; &lt; &gt; &quot; &apos; &#N; &#xN;`.
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: UInt32?
                if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16) }
                else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst(), radix: 10) }
                if let scalar, let u = Unicode.Scalar(scalar) { out.unicodeScalars.append(u) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// Escapes text for an element body.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
