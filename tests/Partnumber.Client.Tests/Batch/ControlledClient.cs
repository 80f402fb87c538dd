using System.Collections.Concurrent;
using System.Threading.Channels;
using Moq;

namespace Partnumber.Client.Tests.Batch;

/// <summary>
/// A Moq <see cref="IPartnumberClassificationClient"/> whose classifications stay running until the test completes
/// them; it records every call, the running count and its peak, and honours cancellation like the real client.
/// </summary>
internal sealed class ControlledClient
{
    private readonly Channel<Call> _started = Channel.CreateUnbounded<Call>();
    private int _running;
    private int _peak;

    public ControlledClient()
    {
        Mock.Setup(c => c.ClassifyAndWaitAsync(It.IsAny<ClassificationRequest>(), It.IsAny<IProgress<ClassificationUpdate>?>(), It.IsAny<CancellationToken>()))
            .Returns((ClassificationRequest request, IProgress<ClassificationUpdate>? _, CancellationToken token) => Start(request, token));
    }

    public Mock<IPartnumberClassificationClient> Mock { get; } = new(MockBehavior.Strict);

    public IPartnumberClassificationClient Object => Mock.Object;

    public ConcurrentQueue<Call> Calls { get; } = new();

    public int Running => Volatile.Read(ref _running);

    public int Peak => Volatile.Read(ref _peak);

    /// <summary>Waits for the next classification to start (no sleeping: the call itself signals).</summary>
    public async Task<Call> NextStartedAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _started.Reader.ReadAsync(timeout.Token);
    }

    private Task<ClassificationResult> Start(ClassificationRequest request, CancellationToken token)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.Partnumber))
        {
            throw new ArgumentException("Partnumber must not be empty.", "Partnumber");
        }

        var running = Interlocked.Increment(ref _running);
        int peak;
        while (running > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, running, peak) != peak)
        {
        }

        var call = new Call(request, token);
        token.Register(() => call.Completion.TrySetCanceled(token));
        Calls.Enqueue(call);
        _started.Writer.TryWrite(call);
        return Finish(call);
    }

    private async Task<ClassificationResult> Finish(Call call)
    {
        try
        {
            return await call.Completion.Task;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    internal sealed class Call
    {
        public Call(ClassificationRequest request, CancellationToken token)
        {
            Request = request;
            Token = token;
        }

        public ClassificationRequest Request { get; }

        public CancellationToken Token { get; }

        public TaskCompletionSource<ClassificationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Succeed() => Completion.TrySetResult(PartnumberModelFactory.ClassificationResult(Request.Partnumber, "desc of " + Request.Partnumber));

        public void Fail(Exception error) => Completion.TrySetException(error);
    }
}

/// <summary>An input sequence that counts how far it has been enumerated.</summary>
internal sealed class CountingSource : IEnumerable<ClassificationRequest>
{
    private readonly int? _count;
    private int _pulled;

    public CountingSource(int? count) => _count = count;

    public int Pulled => Volatile.Read(ref _pulled);

    public IEnumerator<ClassificationRequest> GetEnumerator()
    {
        for (var i = 0; _count is null || i < _count; i++)
        {
            Interlocked.Increment(ref _pulled);
            yield return new ClassificationRequest($"PN-{i}");
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
