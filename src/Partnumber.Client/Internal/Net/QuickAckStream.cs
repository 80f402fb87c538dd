#if NET8_0_OR_GREATER
using System.Net.Sockets;

namespace Partnumber.Client.Internal.Net;

/// <summary>
/// A <see cref="NetworkStream"/> that asks Linux to acknowledge at once after every read (<c>TCP_QUICKACK</c>, which the
/// kernel clears again by itself, hence re-armed per read). A server that leaves Nagle's algorithm on (eventlet's WSGI
/// server) sends the first small frame of a burst and holds the rest until that frame is acknowledged; with the client's
/// ACK delayed (about 40 ms on Linux) every burst of events would wait that long. Where the option is refused, the
/// stream stops trying and reports it once.
/// </summary>
internal sealed class QuickAckStream : NetworkStream
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;

    private static readonly byte[] Enable = BitConverter.GetBytes(1);

    private readonly Action<Exception>? _onRefused;
    private bool _armed = true;

    private QuickAckStream(Socket socket, Action<Exception>? onRefused)
        : base(socket, ownsSocket: true)
    {
        _onRefused = onRefused;
        Arm();
    }

    /// <summary>Whether immediate acknowledgement can be asked for on this platform (Linux only).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>A stream over the connected <paramref name="socket"/> (which it owns): re-arming TCP_QUICKACK when supported and asked for, else a plain <see cref="NetworkStream"/>.</summary>
    public static NetworkStream Create(Socket socket, bool acknowledgeImmediately, Action<Exception>? onRefused)
        => acknowledgeImmediately && IsSupported ? new QuickAckStream(socket, onRefused) : new NetworkStream(socket, ownsSocket: true);

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = base.Read(buffer, offset, count);
        Arm();
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = base.Read(buffer);
        Arm();
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var reading = base.ReadAsync(buffer, cancellationToken);
        if (reading.IsCompletedSuccessfully)
        {
            Arm();
            return reading;
        }

        return ArmAfterAsync(reading);
    }

    private async ValueTask<int> ArmAfterAsync(ValueTask<int> reading)
    {
        var read = await reading.ConfigureAwait(false);
        Arm();
        return read;
    }

    private void Arm()
    {
        if (!_armed)
        {
            return;
        }

        try
        {
            Socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, Enable);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            _armed = false;
            if (ex is not ObjectDisposedException)
            {
                _onRefused?.Invoke(ex);
            }
        }
    }
}
#endif
