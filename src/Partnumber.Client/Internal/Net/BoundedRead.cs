using System.Buffers;

namespace Partnumber.Client.Internal.Net;

/// <summary>
/// Reads a whole stream into one pooled buffer that grows as needed, up to a limit: every body the SDK reads (a 202
/// answer, a long-poll answer, an upgrade response head, a refused upgrade's body) is small and read once, so no
/// reader, char buffer or intermediate copy is made for it.
/// </summary>
internal static class BoundedRead
{
    private const int InitialBytes = 1024;

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, or until <paramref name="stop"/> says the bytes read so far are enough,
    /// into a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it). When the stream holds more
    /// than <paramref name="limit"/> bytes, <c>Count</c> is -1, or with <paramref name="truncate"/> the first
    /// <paramref name="limit"/> bytes are returned (the rest is not read).
    /// </summary>
    public static async Task<(byte[] Buffer, int Count)> ReadAsync(Stream stream, int limit, CancellationToken cancellationToken, Func<byte[], int, bool>? stop = null, bool truncate = false)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBytes, limit + 1));
        try
        {
            var count = 0;
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (count > limit)
                    {
                        return (buffer, truncate ? limit : -1);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    Buffer.BlockCopy(buffer, 0, larger, 0, count);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

#if NET8_0_OR_GREATER
                var read = await stream.ReadAsync(buffer.AsMemory(count, Math.Min(buffer.Length, limit + 1) - count), cancellationToken).ConfigureAwait(false);
#else
                var read = await stream.ReadAsync(buffer, count, Math.Min(buffer.Length, limit + 1) - count, cancellationToken).ConfigureAwait(false);
#endif
                if (read == 0)
                {
                    return (buffer, count <= limit ? count : truncate ? limit : -1);
                }

                count += read;
                if (count > limit)
                {
                    return (buffer, truncate ? limit : -1);
                }

                if (stop is not null && stop(buffer, count))
                {
                    return (buffer, count);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Returns a buffer from <see cref="ReadAsync"/> to the pool.</summary>
    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
