using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// The upgrade of a polling session to a WebSocket: the probe (<see cref="UpgradeProbe"/>), then polling paused (no new
/// GET: the server answers the pending one with a noop; no new POST), then <c>5</c> and the switch, so no packet is lost
/// or sent twice. A probe that fails before polling was paused leaves the session polling, unharmed.
/// </summary>
internal sealed partial class PollingTransport
{
    /// <summary>
    /// Probes a WebSocket for this session and upgrades to it when the server answers, in the background. Completes with
    /// null once upgraded, or with why the probe failed (the session then goes on polling, unharmed).
    /// </summary>
    public Task<string?> UpgradeAsync()
    {
        if (Interlocked.CompareExchange(ref _state, StateProbing, StatePolling) != StatePolling)
        {
            return Task.FromResult<string?>("the session is not polling");
        }

        return UpgradeCoreAsync();
    }

    private async Task<string?> UpgradeCoreAsync()
    {
        var session = _session!;
        if (await _probe.TestAsync(_stop.Token).ConfigureAwait(false) is { } refusal)
        {
            Interlocked.CompareExchange(ref _state, StatePolling, StateProbing);
            return refusal; // the session was not touched
        }

        WebSocketTransport? webSocket = null;
        try
        {
            using var deadline = new Deadline(_endpoint.TimeProvider, _endpoint.ConnectTimeout, _stop.Token);
            webSocket = await _probe.ProbeAsync(deadline.Token).ConfigureAwait(false);

            // Pause polling: no new GET (the server answers the pending one with a noop) and no new POST.
            Volatile.Write(ref _state, StatePausing);
            if (!await _pollPaused.Task.WaitAsync(deadline.Token).ConfigureAwait(false))
            {
                _ = webSocket.Close();
                return "the session ended during the upgrade";
            }

            await _postLock.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await webSocket.SendTextAsync(EngineProbe.Upgrade, deadline.Token).ConfigureAwait(false);
                Volatile.Write(ref _webSocket, webSocket);
                Volatile.Write(ref _state, StateUpgraded);
            }
            finally
            {
                _postLock.Release();
            }

            webSocket.Start(session);
            if (Volatile.Read(ref _closed) != 0)
            {
                _ = webSocket.Close(); // closed while upgrading
            }

            return null;
        }
        catch (Exception ex)
        {
            webSocket?.Close();
            var refused = ExceptionChain.Find<UpgradeRefusedException>(ex);
            var reason = refused?.Message ?? ex.GetBaseException().Message;
            if (Interlocked.CompareExchange(ref _state, StatePolling, StateProbing) != StateProbing)
            {
                // Polling was already paused: the server is between transports, so the session cannot go on.
                session.Close("the upgrade to WebSocket failed after polling was paused: " + reason, ex);
                return reason;
            }

            if (refused is { StatusCode: >= 200 and < 300, Body: { } body })
            {
                // The probe reached the server as a long-poll GET (a proxy dropped Upgrade): its answer holds packets of
                // this session, delivered here in order.
                DeliverBody(session, body, "upgrade probe's");
            }
            else if (refused is null or { StatusCode: >= 200 and < 300 } && !_stop.IsCancellationRequested)
            {
                // Only a plain refusal (a non-2xx answer) proves the server did nothing with this session. Otherwise it may
                // have served the probe as a long-poll whose packets could not be read (ClientWebSocket shows no body), or
                // be half-way into an upgrade (101 without 3probe), where its polling answers only noops: the session ends
                // and the classification reconnects, instead of losing events silently.
                session.Close("the upgrade probe failed in a way that may have taken packets from the session: " + reason, ex);
            }

            return _stop.IsCancellationRequested ? "the session ended during the upgrade probe" : reason;
        }
    }
}
