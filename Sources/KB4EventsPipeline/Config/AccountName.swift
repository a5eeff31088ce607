import Foundation

/// The account a run is labelled with: the `account` label on every metric series and `account` in
/// `_state/last_run.json`, so many accounts' metrics files can share one textfile-collector directory.
package enum AccountName {
    /// The longest name `--account` or `name` accepts.
    static let maxLength = 128

    /// The name when neither a flag, a pipeline file nor a lake says one.
    static let fallback = "default"

    /// Why `text` cannot be an account name (nil when it can): 1–128 ASCII letters, digits, `.`, `_` or `-`,
    /// starting with a letter or a digit. Such a name is a safe label value, file name and S3 key segment.
    package static func problem(_ text: String) -> String? {
        guard let first = text.unicodeScalars.first else { return "expected an account name, got an empty one" }
        let allowed = text.unicodeScalars.allSatisfy {
            $0.isASCII && (isAlphanumeric($0) || "._-".unicodeScalars.contains($0))
        }
        guard allowed, isAlphanumeric(first), text.unicodeScalars.count <= maxLength else {
            return "expected 1–\(maxLength) of A-Z a-z 0-9 . _ - starting with a letter or digit, got '\(text)'"
        }
        return nil
    }

    /// The account of a run, the first of: `--account`, the pipeline file's `name`, the pipeline file's base name
    /// without its extension (`/etc/kb4-events/acme.yaml` → `acme`), the lake's last path segment (a directory's
    /// base name; an `s3://bucket/prefix`'s last prefix segment, else the bucket), else `default`. The first two are
    /// checked where they are read (`problem`); the derived ones are taken as they are (escaped where written).
    package static func resolve(flag: String?, name: String?, pipelineFile: String?, lake: LakeLocation?) -> String {
        if let chosen = flag ?? name { return chosen }
        if let pipelineFile {
            let base = URL(fileURLWithPath: pipelineFile).deletingPathExtension().lastPathComponent
            if !base.isEmpty && base != "/" { return base }
        }
        switch lake {
        case .local(let path):
            let base = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
            return base.isEmpty || base == "/" ? fallback : base
        case .s3(let bucket, let prefix):
            return prefix.split(separator: "/").last.map(String.init) ?? bucket
        case nil:
            return fallback
        }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
