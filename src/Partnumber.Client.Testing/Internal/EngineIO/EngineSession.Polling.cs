using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// The session's long-polling: a GET parks on the outbox until packets are queued (one GET at a time, as
/// python-engineio enforces), a POST carries the client's packets.
/// </summary>
internal sealed partial class EngineSession
{
    private int _pollGetActive;
    private int _pollPostActive;
    private int _hijackedPolls;

    /// <summary>True while a polling GET is parked on this session.</summary>
    public bool IsPollPending => Volatile.Read(ref _pollGetActive) != 0;

    /// <summary>How many upgrade handshakes served as long-polls (<see cref="WebSocketRefusal.ProxyWithoutUpgrade"/>) are parked on this session.</summary>
    public int HijackedPollsPending => Volatile.Read(ref _hijackedPolls);

    /// <summary>
    /// Runs a polling GET: returns the payload to send, or null when the request must fail with 400. A
    /// <paramref name="hijacked"/> GET is an upgrade handshake a proxy turned into a plain GET: python-engineio serves it
    /// as one more reader of the session's queue, without the overlap check, so it competes with the client's own GET.
    /// </summary>
    public async Task<string?> PollAsync(CancellationToken requestAborted, bool hijacked = false)
    {
        if (IsWebSocket)
        {
            return null;
        }

        if (!hijacked && Interlocked.CompareExchange(ref _pollGetActive, 1, 0) != 0)
        {
            // A second concurrent GET: the session closes (the pending GET receives "1") and this one gets 400.
            Close("overlap from client");
            return null;
        }

        if (hijacked)
        {
            Interlocked.Increment(ref _hijackedPolls);
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _pollCancel.Token);
            try
            {
                await _readerLock.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return EngineCodec.Encode(EnginePacketType.Noop);
            }

            try
            {
                var reader = _outbox.Reader;
                bool more;
                try
                {
                    // While an upgrade is being probed a GET must not park: the client waits for it to return before it
                    // sends "5" (engine.io's server answers such GETs with noops too).
                    more = _probeSent && !reader.TryPeek(out _)
                        || await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return EngineCodec.Encode(EnginePacketType.Noop);
                }

                var batch = new List<string>();
                while (reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                if (batch.Count == 0)
                {
                    return more ? EngineCodec.Encode(EnginePacketType.Noop) : EngineCodec.Encode(EnginePacketType.Close);
                }

                return EngineCodec.Join(batch);
            }
            finally
            {
                _readerLock.Release();
            }
        }
        finally
        {
            if (hijacked)
            {
                Interlocked.Decrement(ref _hijackedPolls);
            }
            else
            {
                Volatile.Write(ref _pollGetActive, 0);
            }
        }
    }

    /// <summary>Handles a polling POST body; false when the request must fail with 400 (the session is closed).</summary>
    public bool HandlePost(string body)
    {
        if (IsWebSocket && !_upgrading)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _pollPostActive, 1, 0) != 0)
        {
            Close("data request overlap from client");
            return false;
        }

        try
        {
            var packets = new List<EnginePacket>();
            if (!EngineCodec.TryDecodePayload(body, packets))
            {
                Close("parse error");
                return false;
            }

            foreach (var packet in packets)
            {
                if (packet.Type == EnginePacketType.Upgrade)
                {
                    Close("parse error");
                    return false;
                }

                HandlePacket(packet);
            }

            return true;
        }
        finally
        {
            Volatile.Write(ref _pollPostActive, 0);
        }
    }
}
