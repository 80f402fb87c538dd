namespace Partnumber.Client.Testing.Internal;

/// <summary>
/// The real clock, named: for the guards on real I/O that must fire even when
/// <see cref="FakePartnumberServerOptions.TimeProvider"/> is a fake clock a test has frozen, or the test could never end
/// (cutting off a peer that does not answer a close, stopping the host, a journal wait's
/// <see cref="FakePartnumberServerOptions.JournalWaitTimeout"/>, which is documented as real time), and for what a
/// recording measures of a real backend (its offsets and date). Everything the
/// server simulates (scripted delays, the join timeout, the heartbeat, the journal's timestamps) runs on the options'
/// clock instead. The system clock is reached through here only (src/BannedSymbols.txt).
/// </summary>
internal static class WallClock
{
    public static TimeProvider Time => TimeProvider.System;

    /// <summary>A token source that cancels after <paramref name="delay"/> of real time.</summary>
    public static CancellationTokenSource Timeout(TimeSpan delay) => new(delay, Time);
}
