using System.Text;
using System.Threading.Channels;
using Partnumber.Client.Shared.EngineIO;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// The client's packets on their way to a polling POST: what SocketIOClient writes (a text packet possibly in pieces, or
/// a binary one, base64-encoded for the body) is queued whole, and taken out in batches that fit the server's maxPayload.
/// Written by one sender at a time (SocketIOClient awaits each send), read by one send loop.
/// </summary>
internal sealed class PollingSendBatcher
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly StringBuilder _batch = new();
    private readonly int _maxPayload;
    private MemoryStream? _partial;

    /// <param name="maxPayload">The server's maxPayload (its open packet's): the largest POST body, in bytes.</param>
    public PollingSendBatcher(int maxPayload) => _maxPayload = maxPayload;

    /// <summary>The queued packets, one encoded packet each.</summary>
    public ChannelReader<string> Reader => _queue.Reader;

    /// <summary>Queues what SocketIOClient sent: a binary packet, or a text packet's piece (queued once its last piece came).</summary>
    public void Add(byte[] bytes, TransportMessageType type, bool endOfMessage)
    {
        // SocketIOClient awaits each send before the next (its own lock), so one partial buffer is enough.
        if (type == TransportMessageType.Binary)
        {
            _queue.Writer.TryWrite(EngineCodec.EncodeBinary(bytes));
            return;
        }

        if (!endOfMessage || _partial is not null)
        {
            _partial ??= new MemoryStream();
            _partial.Write(bytes, 0, bytes.Length);
            if (!endOfMessage)
            {
                return;
            }

            bytes = _partial.ToArray();
            _partial = null;
        }

        _queue.Writer.TryWrite(Encoding.UTF8.GetString(bytes));
    }

    /// <summary>No more packets: the reader ends once the queue is empty.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>
    /// Takes queued packets into one payload up to the server's maxPayload.
    /// False, with why, when the first packet alone is over it: it can never be sent.
    /// </summary>
    public bool TryTakeBatch(out string payload, out string? tooLarge)
    {
        _batch.Clear();
        tooLarge = null;
        var bytes = 0;
        while (_queue.Reader.TryPeek(out var packet))
        {
            var size = EnginePayload.ByteCount(packet) + (_batch.Length > 0 ? 1 : 0);
            if (bytes + size > _maxPayload)
            {
                if (_batch.Length == 0)
                {
                    payload = string.Empty;
                    tooLarge = $"a packet of {size} bytes is larger than the server's maxPayload ({_maxPayload} bytes)";
                    return false;
                }

                break;
            }

            _queue.Reader.TryRead(out _);
            EngineCodec.Append(_batch, packet);
            bytes += size;
        }

        payload = _batch.ToString();
        return true;
    }
}
