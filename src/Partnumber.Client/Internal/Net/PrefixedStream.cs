#if NET8_0_OR_GREATER
namespace Partnumber.Client.Internal.Net;

/// <summary>
/// A stream that returns some already-read bytes before reading on from the inner stream: bytes that arrived with a
/// response head (a server's first WebSocket frame sent with its 101) are not lost to whoever reads the stream next.
/// </summary>
internal sealed class PrefixedStream : Stream
{
    private readonly Stream _inner;
    private byte[]? _prefix;
    private int _offset;

    public PrefixedStream(byte[] prefix, Stream inner)
    {
        _prefix = prefix;
        _inner = inner;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _prefix is null ? _inner.ReadAsync(buffer, cancellationToken) : new ValueTask<int>(ReadPrefix(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
        => _prefix is null ? _inner.Read(buffer, offset, count) : ReadPrefix(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int ReadPrefix(Span<byte> destination)
    {
        var prefix = _prefix!;
        var count = Math.Min(destination.Length, prefix.Length - _offset);
        prefix.AsSpan(_offset, count).CopyTo(destination);
        _offset += count;
        if (_offset == prefix.Length)
        {
            _prefix = null;
        }

        return count;
    }
}
#endif
