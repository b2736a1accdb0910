package org.mailsec.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.mail.FetchProfile;
import javax.mail.Folder;
import javax.mail.Session;
import javax.mail.Store;

/** A user's INBOX on the James under test, read over IMAP as its owner would. */
final class Inbox {

    interface Reader<T> {
        T read(Folder inbox) throws Exception;
    }

    private Inbox() {
    }

    static <T> T read(int imapPort, String user, String password, Reader<T> reader) throws Exception {
        return read(imapPort, user, password, "INBOX", reader);
    }

    /** One of the user's folders (e.g. Spam), read over IMAP. */
    static <T> T read(int imapPort, String user, String password, String folder, Reader<T> reader) throws Exception {
        Properties props = new Properties();
        // A read James never answers (seen once while a bounce was being stored) fails instead of hanging the suite.
        props.put("mail.imap.connectiontimeout", "10000");
        props.put("mail.imap.timeout", "20000");
        Store store = Session.getInstance(props).getStore("imap");
        store.connect("127.0.0.1", imapPort, user, password);
        try {
            Folder inbox = store.getFolder(folder);
            inbox.open(Folder.READ_ONLY);
            try {
                return reader.read(inbox);
            } finally {
                inbox.close(false);
            }
        } finally {
            store.close();
        }
    }

    /** The subjects of the messages in the INBOX, in order. */
    static List<String> subjects(int imapPort, String user, String password) throws Exception {
        return read(imapPort, user, password, inbox -> {
            javax.mail.Message[] messages = inbox.getMessages();
            FetchProfile envelope = new FetchProfile();
            envelope.add(FetchProfile.Item.ENVELOPE);
            inbox.fetch(messages, envelope);
            List<String> subjects = new ArrayList<>();
            for (javax.mail.Message m : messages) {
                subjects.add(m.getSubject());
            }
            return subjects;
        });
    }
}
