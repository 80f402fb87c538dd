namespace Partnumber.Client.Sample;

/// <summary>
/// Turns the CSV rows into the requests still to classify, lazily: rows without partnumber are reported and skipped,
/// a partnumber seen before is classified once, and partnumbers already <c>done</c> in the journal are skipped.
/// Enumerate <see cref="Requests"/> once to count (a dry pass) and again to classify; each pass starts afresh.
/// </summary>
public sealed class BatchPlan
{
    private readonly Func<IEnumerable<CsvPart>> _rows;
    private readonly IReadOnlySet<string> _done;

    /// <summary>Creates a plan over <paramref name="rows"/> (called once per pass) skipping <paramref name="done"/>.</summary>
    public BatchPlan(Func<IEnumerable<CsvPart>> rows, IReadOnlySet<string> done)
    {
        _rows = rows;
        _done = done;
    }

    /// <summary>The rows skipped for a problem in the last pass (line number and reason).</summary>
    public List<CsvPart> Invalid { get; } = [];

    /// <summary>Rows in the last pass whose partnumber appeared on an earlier row.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Rows in the last pass already done according to the journal.</summary>
    public int AlreadyDone { get; private set; }

    /// <summary>Requests yielded in the last pass (so far).</summary>
    public int Yielded { get; private set; }

    /// <summary>The requests to classify, each with its CSV line.</summary>
    public IEnumerable<(int Line, ClassificationRequest Request)> Requests()
    {
        Invalid.Clear();
        Duplicates = 0;
        AlreadyDone = 0;
        Yielded = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in _rows())
        {
            if (row.Request is null)
            {
                Invalid.Add(row);
                continue;
            }

            if (!seen.Add(row.Request.Partnumber))
            {
                Duplicates++;
                continue;
            }

            if (_done.Contains(row.Request.Partnumber))
            {
                AlreadyDone++;
                continue;
            }

            Yielded++;
            yield return (row.Line, row.Request);
        }
    }
}
