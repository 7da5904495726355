import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import type { Me } from '../api/types';
import { useSession } from '../api/session';
import { navSections } from './nav';
import { NotificationBell } from '../notifications/bell';

/** The signed-in frame: a skip link, the sidebar with the sections this user has use for, and the page. */
export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const { signOut } = useSession();
  const current = (href: string) => (href === '/' ? location === '/' || location.startsWith('/services') : location === href || location.startsWith(`${href}/`));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <button type="button" className="menu-toggle button button-secondary" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <Link href="/" className="brand">Tollgate</Link>
        <div className="topbar-end">
          <NotificationBell />
          <span className="muted user-email">{me.user.email}</span>
          <Link href="/account" className="topbar-link" aria-current={current('/account') ? 'page' : undefined}>Account</Link>
          <button type="button" className="button button-secondary" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <nav id="sidebar" className={`sidebar${menuOpen ? ' sidebar-open' : ''}`} aria-label="Main">
        {navSections.filter((s) => s.shows(me) && s.items.length > 0).map((section) => (
          <div key={section.label} className="nav-section">
            <h2 className="nav-heading">{section.label}</h2>
            <ul>
              {section.items.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={current(item.href) ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
