using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Partnumber.Client.Internal.Realtime.EngineIO;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Opens fresh <see cref="SocketIORealtimeConnection"/>s, each bounded by the connect timeout. Within it, a connection
/// refused (a backend restarting) is tried again with backoff and jitter on the options'
/// clock; an unknown host, a TLS failure or a refusal by the server's Socket.IO layer is not.
/// </summary>
internal sealed class SocketIORealtimeConnector : IRealtimeConnector
{
    /// <summary>The first wait between connect attempts; it doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two connect attempts.</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    private readonly RealtimeEndpoint _endpoint;
    private readonly EngineIOConnector _engineConnector;
    private readonly ILogger _logger;

    public SocketIORealtimeConnector(RealtimeEndpoint endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
        _engineConnector = new EngineIOConnector(endpoint, logger);
    }

    public async Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken, bool retryRefused = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = new Deadline(_endpoint.TimeProvider, _endpoint.ConnectTimeout, cancellationToken);
        string? lastFailure = null;
        var refreshedAfterRefusal = false;
        for (var attempt = 1; ; attempt++)
        {
            // Per attempt: a reconnect or a retry after a refusal goes where service discovery and the providers say now.
            var target = await _endpoint.TargetAsync(deadline.Token).ConfigureAwait(false);
            var connection = new SocketIORealtimeConnection(_engineConnector, _endpoint, _logger);
            try
            {
                await connection.ConnectAsync(target, deadline.Token).ConfigureAwait(false);
                Log.Connected(_logger, _endpoint.Uri, connection.SessionId, connection.Transport);
                return connection;
            }
            catch (OperationCanceledException) when (deadline.Expired)
            {
                _ = ClosingConnections.CloseAsync(connection); // its close handshake is bounded on its own: the caller learns of the failure now
                throw TimedOut(attempt, lastFailure, null);
            }
            catch (Exception ex) when (ExceptionChain.Find<PartnumberAuthenticationException>(ex) is { } refusal)
            {
                _ = ClosingConnections.CloseAsync(connection);
                if (_endpoint.Credentials.Refreshable && !refreshedAfterRefusal)
                {
                    // The token may have expired between fetching and connecting: fetch again and try once more, at once.
                    refreshedAfterRefusal = true;
                    Log.CredentialsRefused(_logger, _endpoint.Uri, attempt);
                    continue;
                }

                throw new PartnumberAuthenticationException(
                    refreshedAfterRefusal ? refusal.Message + " It was refused again after the credentials were fetched anew." : refusal.Message,
                    refusal.StatusCode,
                    refusal.ServerMessage,
                    refreshedAfterRefusal,
                    ex);
            }
            catch (Exception ex) when (retryRefused && ex is not OperationCanceledException && RetryableFailure(ex) is { } why)
            {
                _ = ClosingConnections.CloseAsync(connection);
                lastFailure = why;
                var delay = RetryDelay(attempt);
                Log.ConnectRetry(_logger, _endpoint.Uri, Excerpt.Reason(why), attempt, (long)delay.TotalMilliseconds);
                try
                {
                    await _endpoint.TimeProvider.DelayAsync(delay, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.Expired)
                {
                    throw TimedOut(attempt, lastFailure, ex);
                }
            }
            catch (Exception ex)
            {
                _ = ClosingConnections.CloseAsync(connection);
                if (ex is OperationCanceledException or PartnumberConnectionException)
                {
                    throw;
                }

                throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint {_endpoint.Uri}: {ex.GetBaseException().Message}", ex);
            }
        }
    }

    /// <summary>
    /// Why a failed connect is worth another attempt within the connect timeout: the endpoint refused the TCP connection
    /// (nothing listens yet: a restart; on Linux a SYN answered with a reset is this too). Null for everything else: an
    /// unknown host, a TLS failure, a connection reset after the server answered, an HTTP refusal or a Socket.IO
    /// CONNECT_ERROR would fail the same way again.
    /// </summary>
    internal static string? RetryableFailure(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException:
                    return null;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException:
                    return null; // unknown host, unreachable network, a reset after the server answered part of a handshake, …
            }
        }

        return null;
    }

    /// <summary>100 ms, then doubling up to 1 s, each between half and the whole of that (jitter spreads a batch's reconnects).</summary>
    internal static TimeSpan RetryDelay(int attempt)
    {
        var ceiling = Math.Min(MaxRetryDelay.TotalMilliseconds, FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (0.5 * Jitter.Next())));
    }

    private PartnumberConnectionException TimedOut(int attempts, string? lastFailure, Exception? lastError)
        => new(
            $"Could not connect to the Socket.IO endpoint {_endpoint.Uri} within {Deadline.Seconds(_endpoint.ConnectTimeout)} (ConnectTimeout)"
            + (lastFailure is null ? "." : $": {attempts} attempt(s), the last failed with {lastFailure}."),
            lastError);
}
