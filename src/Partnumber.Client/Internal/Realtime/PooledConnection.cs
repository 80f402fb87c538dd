namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// A realtime connection as the <see cref="ConnectionPool"/> tracks it: how many classifications it has served, since
/// when it has been idle, and which partnumbers it has carried (events carry no task id, so a late event of an earlier
/// task is recognised by its partnumber).
/// </summary>
internal sealed class PooledConnection
{
    private List<string>? _partnumbers;

    public PooledConnection(IRealtimeConnection connection) => Connection = connection;

    public IRealtimeConnection Connection { get; }

    /// <summary>How many times it has been rented, the current rental included.</summary>
    public int Uses { get; internal set; }

    /// <summary>True when it served an earlier classification (or ping) before the current one.</summary>
    public bool IsReused => Uses > 1;

    /// <summary>When it went idle (TimeProvider timestamp); meaningful only while idle.</summary>
    internal long IdleSince { get; set; }

    /// <summary>Cancels the watch for events arriving while idle; null while rented.</summary>
    internal CancellationTokenSource? IdleWatch { get; set; }

    /// <summary>
    /// The next thing that happened on the connection: a server event, or (last) its end. The one read path of every
    /// user of a rented connection (classifications and pings).
    /// </summary>
    public ValueTask<RealtimeEvent> ReadAsync(CancellationToken cancellationToken) => Connection.Events.ReadAsync(cancellationToken);

    /// <summary>Records a partnumber this connection carried (requested, or reported by the server).</summary>
    public void Remember(string partnumber)
    {
        _partnumbers ??= new List<string>(2);
        if (!Remembers(partnumber))
        {
            _partnumbers.Add(partnumber);
        }
    }

    /// <summary>Whether an earlier classification on this connection carried <paramref name="partnumber"/> (trimmed, any case).</summary>
    public bool Remembers(string partnumber)
    {
        if (_partnumbers is null)
        {
            return false;
        }

        foreach (var known in _partnumbers)
        {
            if (SamePartnumber(known, partnumber))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether two partnumbers name the same part as far as a server may rewrite them (white space around, letter case).</summary>
    public static bool SamePartnumber(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
