namespace Partnumber.Client.Internal.Realtime;

/// <summary>The pool's bounds (the client options' defaults unless set).</summary>
internal sealed class ConnectionPoolSettings
{
    /// <summary>How many pre-connected connections are kept ready.</summary>
    public int Standby { get; init; }

    /// <summary>Whether a connection returned after a clean classification is kept for the next one.</summary>
    public bool Reuse { get; init; } = true;

    /// <summary>How many classifications one connection serves before it is closed.</summary>
    public int MaxUses { get; init; } = PartnumberClassificationClientOptions.DefaultMaxClassificationsPerConnection;

    /// <summary>The most idle connections kept (never fewer than <see cref="Standby"/>).</summary>
    public int MaxIdle { get; init; } = PartnumberClassificationClientOptions.DefaultMaxIdleConnections;

    /// <summary>How long a connection beyond the standby count may stay idle.</summary>
    public TimeSpan IdleTimeout { get; init; } = PartnumberClassificationClientOptions.DefaultIdleConnectionTimeout;

    public static ConnectionPoolSettings From(PartnumberClassificationClientOptions options) => new()
    {
        Standby = options.StandbyConnections,
        Reuse = options.ReuseConnections && options.MaxClassificationsPerConnection > 1,
        MaxUses = options.MaxClassificationsPerConnection,
        MaxIdle = options.MaxIdleConnections,
        IdleTimeout = options.IdleConnectionTimeout,
    };
}
