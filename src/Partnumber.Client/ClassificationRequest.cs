namespace Partnumber.Client;

/// <summary>A partnumber to classify, with the optional hints the server accepts.</summary>
/// <param name="Partnumber">The partnumber to classify. Required: it must not be null, empty or white space.</param>
public sealed record ClassificationRequest(string Partnumber)
{
    /// <summary>An optional description or details that help the classification.</summary>
    public string? Description { get; init; }

    /// <summary>The optional name of the product's manufacturer.</summary>
    public string? Manufacturer { get; init; }

    /// <summary>The optional name of the product's supplier.</summary>
    public string? Supplier { get; init; }
}
