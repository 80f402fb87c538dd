namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// The longest event gaps of one client's most recent classifications (a small ring, lock-free): what a task that has
/// not seen an event of its own yet can expect of the server's rhythm.
/// </summary>
internal sealed class RecentCadence
{
    private const int Size = 16; // a power of two: the index wraps with a mask

    private readonly long[] _gaps = new long[Size];
    private int _next = -1;

    public RecentCadence()
    {
        for (var i = 0; i < Size; i++)
        {
            _gaps[i] = -1;
        }
    }

    /// <summary>The longest gap among the recent classifications, in timestamp ticks; -1 when none was recorded.</summary>
    public long LongestGapTicks
    {
        get
        {
            var longest = -1L;
            for (var i = 0; i < Size; i++)
            {
                longest = Math.Max(longest, Volatile.Read(ref _gaps[i]));
            }

            return longest;
        }
    }

    /// <summary>Records the longest gap of a classification that saw at least one.</summary>
    public void Record(long longestGapTicks)
    {
        if (longestGapTicks >= 0)
        {
            Volatile.Write(ref _gaps[Interlocked.Increment(ref _next) & (Size - 1)], longestGapTicks);
        }
    }
}
