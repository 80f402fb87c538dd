namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>An IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool, which tests cannot await).</summary>
internal sealed class InlineProgress(Action<ClassificationUpdate> report) : IProgress<ClassificationUpdate>
{
    public void Report(ClassificationUpdate value) => report(value);
}
