namespace Partnumber.Client;

/// <summary>Settings of <see cref="PartnumberClassificationClientBatchExtensions.ClassifyManyAsync(IPartnumberClassificationClient, IEnumerable{ClassificationRequest}, ClassifyManyOptions?, CancellationToken)"/>.</summary>
public sealed class ClassifyManyOptions
{
    /// <summary>The default of <see cref="MaxConcurrency"/>: 8.</summary>
    public const int DefaultMaxConcurrency = 8;

    /// <summary>The largest accepted <see cref="MaxConcurrency"/>: 1024.</summary>
    public const int MaxAllowedConcurrency = 1024;

    /// <summary>
    /// How many requests may be taken from the input and not yet yielded as outcomes: that is, at most this many
    /// classifications run at once, and completed outcomes the consumer has not read yet count against the same budget.
    /// Between 1 and <see cref="MaxAllowedConcurrency"/>; default <see cref="DefaultMaxConcurrency"/>.
    /// </summary>
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>The clock that measures <see cref="ClassificationOutcome.Elapsed"/>. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    internal void Validate()
    {
        if (MaxConcurrency < 1 || MaxConcurrency > MaxAllowedConcurrency)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxConcurrency),
                MaxConcurrency,
                $"MaxConcurrency must be between 1 and {MaxAllowedConcurrency}.");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        }
    }
}
