import KB4EventsNet
import ArgumentParser
import Foundation
import KB4EventsPipeline

/// The command tree as the argument parser describes it (`_dumpHelp`): command names, and per command its
/// options (with whether each takes a value). Used to accept options before the action, to suggest the
/// nearest name for a typo, and to name the command whose `--help` to read.
struct CommandTree {
    let name: String
    var children: [String: CommandTree] = [:]
    /// Long option name (with `--`) → whether it takes a value.
    var options: [String: Bool] = [:]

    static let root: CommandTree = {
        guard let json = try? JSONSerialization.jsonObject(with: Data(KB4Events._dumpHelp().utf8)) as? [String: Any],
            let command = json["command"] as? [String: Any]
        else { return CommandTree(name: "kb4-events") }
        return CommandTree(json: command)
    }()

    init(name: String) { self.name = name }

    init(json: [String: Any]) {
        name = json["commandName"] as? String ?? ""
        for sub in json["subcommands"] as? [[String: Any]] ?? [] {
            let child = CommandTree(json: sub)
            if child.name != "help" { children[child.name] = child }
        }
        for argument in json["arguments"] as? [[String: Any]] ?? [] {
            let kind = argument["kind"] as? String
            for n in argument["names"] as? [[String: Any]] ?? [] where n["kind"] as? String == "long" {
                if let long = n["name"] as? String { options["--" + long] = kind == "option" }
            }
        }
        options["--help"] = false
    }
}

/// Rewrites the arguments before parsing, in ways that change no meaning:
/// - options given before the action move after it (`kb4-events --out lake status`, `api --base-url U list-events`),
///   as git and kubectl accept them;
/// - a negative number or UTC offset after an option is its value (`--requests-per-second -1`,
///   `--day-filter-offset -05:00`), not an option.
enum ArgumentOrder {
    static func normalize(_ args: [String], tree: CommandTree = .root) -> [String] {
        var path: [String] = []
        var moved: [String] = []
        var node = tree
        var i = 0
        while i < args.count {
            let token = args[i]
            if token == "--" { break }
            if let child = node.children[token] {
                path.append(token)
                node = child
                i += 1
                continue
            }
            guard !node.children.isEmpty, token.hasPrefix("-") else { break }
            // Before the action: an option of a command further down; keep it with its value.
            moved.append(token)
            let name = String(token.split(separator: "=", maxSplits: 1)[0])
            if !token.contains("="), i + 1 < args.count, takesValue(name, under: node),
                node.children[args[i + 1]] == nil
            {
                moved.append(args[i + 1])
                i += 1
            }
            i += 1
        }
        return joinNegativeValues(path + args[i...] + moved, tree: tree)
    }

    /// Whether `--name` takes a value in some command under `node` (flags are listed as taking none).
    static func takesValue(_ name: String, under node: CommandTree) -> Bool {
        if let takes = node.options[name] { return takes }
        for child in node.children.values where takesValue(name, under: child) { return true }
        return false
    }

    private static func joinNegativeValues(_ args: [String], tree: CommandTree) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let token = args[i]
            if token.hasPrefix("--"), !token.contains("="), i + 1 < args.count, isNegativeNumber(args[i + 1]),
                takesValue(token, under: tree)
            {
                out.append("\(token)=\(args[i + 1])")
                i += 2
                continue
            }
            out.append(token)
            i += 1
        }
        return out
    }

    private static func isNegativeNumber(_ text: String) -> Bool {
        guard text.count > 1, text.hasPrefix("-") else { return false }
        let rest = text.dropFirst()
        let isOffset = rest.count == 5 && rest.enumerated().allSatisfy { $0.offset == 2 ? $0.element == ":" : $0.element.isASCII && $0.element.isNumber }
        return Double(rest) != nil || isOffset
    }

    /// The command a usage error concerns (`kb4-events api list-events`), and its node.
    static func command(of args: [String], tree: CommandTree = .root) -> (name: String, node: CommandTree, depth: Int) {
        var names = ["kb4-events"]
        var node = tree
        for token in args {
            guard let child = node.children[token] else { break }
            names.append(token)
            node = child
        }
        return (names.joined(separator: " "), node, names.count - 1)
    }
}

extension KB4Events {
    /// Parses (after `ArgumentOrder.normalize`), runs, and reports every failure the same way:
    /// `kb4-events: error: …` on stderr, a suggestion for a misspelt name, and the command whose `--help` to read.
    static func main() async {
        // Pages are parsed on several threads while requests are in flight; glibc gives each thread its own
        // malloc arena, which left the 1M-event day paged by id at 70 MB instead of 62 (the target is 64 MB).
        #if os(Linux)
            _ = glibcMallopt(-8 /* M_ARENA_MAX, <malloc.h> */, 2)
        #endif
        let args = ArgumentOrder.normalize(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(args)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await NetClient.shutdown()
        } catch let exit as ExitCode {
            // Already reported by the command.
            await NetClient.shutdown()
            Foundation.exit(exit.rawValue)
        } catch {
            await NetClient.shutdown()
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version.
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let (name, node, depth) = ArgumentOrder.command(of: args)
            var message = typo(in: args, node: node, depth: depth) ?? message(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            ExitStatus.printError("\(message)\n(see `\(name) --help`)")
            Foundation.exit(code == .failure ? ExitStatus.usage : code.rawValue)
        }
    }

    /// A misspelt command or option in `args`, with the nearest valid name: reported before anything else the
    /// parser may have found (a typo in `--from` otherwise reads as "missing --from").
    static func typo(in args: [String], node: CommandTree, depth: Int) -> String? {
        if !node.children.isEmpty, depth < args.count, case let word = args[depth], !word.hasPrefix("-") {
            let hint =
                NameSuggestion.nearest(to: word, among: node.children.keys).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown command '\(word)'\(hint); commands: \(node.children.keys.sorted().joined(separator: ", "))"
        }
        for token in args.dropFirst(depth) where token.hasPrefix("--") && token != "--" {
            let name = String(token.split(separator: "=", maxSplits: 1)[0])
            guard node.options[name] == nil else { continue }
            let hint =
                NameSuggestion.nearest(to: name, among: node.options.keys).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown option '\(name)'\(hint)"
        }
        return nil
    }
}

#if os(Linux)
    /// glibc's `mallopt` (its header is not in the Glibc module).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
