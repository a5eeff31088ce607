import KB4EventsAPI
import KB4EventsCore
import Logging

/// `day_filter_offset: auto` on a lake that has none recorded: fetches the run's days (as API days), then the days
/// before them, until their answers leave one offset (`DayFilterCheck.decided`), keeping what was fetched for the
/// export. Days without events decide nothing; an offset is never guessed: when `probeDays` more days do not
/// decide it, the run stops asking for the offset to be set.
struct DayFilterProbe {
    /// Days before a run's first day that `auto` may also look at before it gives up.
    static let probeDays = 14

    let client: Client
    let settings: ExportSettings
    let today: Day
    let logger: Logger

    /// The offset the answers fit; the API days it fetched are added to `staged`, what it spent to `summary`.
    func decide(
        days: [Day], extractor: DayExtractor, staged: inout [Day: DayExtractor.FetchedDay], summary: inout RunSummary
    ) async throws -> DayFilterOffset {
        // No day is asked for ahead: the next one might not be an API day the decided offset needs.
        let probe = PageFetcher(
            client: client, days: [], order: extractor.pageOrder, perPage: settings.perPage,
            maxInFlight: settings.maxInFlight)
        let earlier = (days.min() ?? today).adding(days: -Self.probeDays)
        let candidatesDays = days + Day.range(earlier, through: (days.min() ?? today).previous).reversed()
        var candidates: [DayFilterOffset]?
        var decided: DayFilterOffset?
        do {
            for day in candidatesDays where decided == nil {
                var log = logger
                log[metadataKey: "api_day"] = "\(day)"
                let fetched = try await extractor.fetchComplete(
                    day, offset: nil, day: day, from: probe, into: nil, logger: log)
                staged[day] = fetched
                guard let fits = DayFilterCheck.fitting(fetched.arrivals, apiDay: day) else { continue }
                let remaining = (candidates ?? fits).filter(fits.contains)
                guard !remaining.isEmpty else {
                    throw PipelineError(
                        stage: .extract, category: .data, code: "day_filter_offset",
                        message:
                            "day_filter_offset: auto: the answers for occurred_date=\(day) fit no offset that the days before fit: the API's day filter is not one fixed offset; set source.day_filter_offset explicitly",
                        day: day)
                }
                candidates = remaining
                decided = DayFilterCheck.decided(remaining)
            }
        } catch {
            await summary.close(probe)
            throw error
        }
        await summary.close(probe)
        if let decided { return decided }
        guard let candidates else { return .utc }  // no event anywhere: nothing to tell, and nothing recorded
        throw PipelineError(
            stage: .config, category: .configuration, code: "day_filter_undecided",
            message:
                "day_filter_offset: auto cannot tell the API's day filter from the events of \(candidatesDays.count) days (every offset from UTC\(candidates.first!) to UTC\(candidates.last!) fits them): set source.day_filter_offset to the account's offset (its time zone in the KnowBe4 console)")
    }
}

extension RunSummary {
    /// Forgets `fetcher`'s requests still waiting and counts what it spent ahead.
    mutating func close(_ fetcher: PageFetcher) async {
        await fetcher.close()
        unusedRequests += await fetcher.unused
        peakInFlight = max(peakInFlight, await fetcher.peakInFlight)
    }
}
