namespace Partnumber.Client;

/// <summary>
/// What became of one request of a batch run by <c>ClassifyManyAsync</c>: its <see cref="Result"/>, or the
/// <see cref="Exception"/> that ended it (argument errors, rejections, failures, timeouts and cancellations alike).
/// </summary>
public sealed class ClassificationOutcome
{
    /// <summary>Creates an outcome. Applications normally receive outcomes from <c>ClassifyManyAsync</c>; tests can build their own.</summary>
    /// <param name="index">The zero-based position of the request in the input sequence.</param>
    /// <param name="request">The request (null only when the input sequence contained a null element).</param>
    /// <param name="result">The result; null when <paramref name="exception"/> is set.</param>
    /// <param name="exception">The error; null when <paramref name="result"/> is set.</param>
    /// <param name="elapsed">How long the classification took.</param>
    /// <exception cref="ArgumentException">Neither or both of <paramref name="result"/> and <paramref name="exception"/> are set.</exception>
    public ClassificationOutcome(int index, ClassificationRequest request, ClassificationResult? result, Exception? exception, TimeSpan elapsed)
    {
        if ((result is null) == (exception is null))
        {
            throw new ArgumentException("Exactly one of result and exception must be set.", nameof(result));
        }

        Index = index;
        Request = request;
        Result = result;
        Exception = exception;
        Elapsed = elapsed;
    }

    /// <summary>The zero-based position of the request in the input sequence.</summary>
    public int Index { get; }

    /// <summary>The request as it was taken from the input (null only when the input contained a null element; <see cref="Exception"/> is then an <see cref="ArgumentNullException"/>).</summary>
    public ClassificationRequest Request { get; }

    /// <summary>The final result when the classification succeeded; otherwise null.</summary>
    public ClassificationResult? Result { get; }

    /// <summary>The error that ended the classification; null when it succeeded.</summary>
    public Exception? Exception { get; }

    /// <summary>True when <see cref="Result"/> is set (and <see cref="Exception"/> is null).</summary>
    public bool Succeeded => Result is not null;

    /// <summary>True when the classification was cancelled (the exception is an <see cref="OperationCanceledException"/>).</summary>
    public bool Canceled => Exception is OperationCanceledException;

    /// <summary>How long the classification took, from its start to its result or error.</summary>
    public TimeSpan Elapsed { get; }

    /// <inheritdoc />
    public override string ToString() => Succeeded
        ? $"#{Index} {Request?.Partnumber}: {Result!.Status}"
        : $"#{Index} {Request?.Partnumber}: {Exception!.GetType().Name}: {Exception.Message}";
}
