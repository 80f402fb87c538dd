namespace Partnumber.Client.Internal;

/// <summary>Reading the cause a library wrapped: the exception and its inner ones, outermost first.</summary>
internal static class ExceptionChain
{
    /// <summary>The first exception of type <typeparamref name="T"/> in <paramref name="exception"/>'s chain, or null.</summary>
    public static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }
}
