import { Link, useLocation } from 'wouter';

/** The queue's two views: requests waiting for a decision, and the subscribers a service already has. */
export function QueueTabs() {
  const [location] = useLocation();
  const tabs = [
    { href: '/', label: 'Requests' },
    { href: '/subscribers', label: 'Subscribers' },
  ];
  return (
    <nav className="tab-list" aria-label="Queue views">
      {tabs.map((t) => (
        <Link key={t.href} href={t.href} className="tab" aria-current={location === t.href ? 'page' : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
